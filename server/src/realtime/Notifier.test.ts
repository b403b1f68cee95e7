import type { ServerEvent } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../auth/access';
import { type EventSink, Notifier } from './Notifier';

const user = (id: string, role: UserPrincipal['role']) =>
  ({ kind: 'user', id, email: `${id}@x.invalid`, name: id, role, totpEnabled: false, sites: { own: [], visible: [] }, session: { idHash: '', csrfHash: '' } }) satisfies UserPrincipal;

/** A sink with connected users, recording what each received. */
function sink(users: UserPrincipal[]) {
  const got: [string, ServerEvent][] = [];
  const s: EventSink = {
    publish: (event, to) => {
      const reached = users.filter(to);
      for (const u of reached) got.push([u.id, event]);
      return reached.map((u) => u.id);
    },
  };
  return { s, got };
}

const HELLO: ServerEvent = { type: 'hello', userId: '6f1c1f3e-0d7b-4c1e-9a51-0c8a3c5f2b10' };

describe('Notifier', () => {
  it('publish() before any sink is attached reaches nobody and does not throw', () => {
    expect(new Notifier().publish(HELLO, () => true)).toEqual([]);
  });

  it('publish() sends to the users the audience admits, through every sink, and answers each user once', () => {
    const n = new Notifier();
    const a = sink([user('neuro', 'neurologist'), user('ward', 'ward_doctor')]);
    const b = sink([user('neuro', 'neurologist')]);
    n.attach(a.s);
    n.attach(b.s);
    expect(n.publish(HELLO, (u) => u.role === 'neurologist')).toEqual(['neuro']);
    expect(a.got.map(([id]) => id)).toEqual(['neuro']);
    expect(b.got.map(([id]) => id)).toEqual(['neuro']);
  });

  it('publish() after a sink is detached no longer reaches it', () => {
    const n = new Notifier();
    const a = sink([user('ward', 'ward_doctor')]);
    const detach = n.attach(a.s);
    detach();
    expect(n.publish(HELLO, () => true)).toEqual([]);
    expect(a.got).toEqual([]);
  });

  it('publish() with a failing sink still reaches the others and does not throw', () => {
    const n = new Notifier();
    n.attach({ publish: () => { throw new Error('socket gone'); } });
    const a = sink([user('ward', 'ward_doctor')]);
    n.attach(a.s);
    expect(n.publish(HELLO, () => true)).toEqual(['ward']);
  });
});
