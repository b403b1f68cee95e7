import type { Role, ServerEvent } from '@telestroke/shared';
import type { UserPrincipal } from '../auth/access';
import type { Queryable } from '../db/Db';
import { siteAccessOf } from '../sites/site.repository';
import { Notifier } from './Notifier';

/** An event pushed to one user. */
export interface Received {
  to: string;
  event: ServerEvent;
}

/**
 * A Notifier whose pushes are captured instead of sent: each event reaches the users among `users` that its audience
 * admits, as the WebSocket hub delivers it to the signed-in ones. `received` lists them in order.
 */
export async function capturingNotifier(
  db: Queryable,
  users: readonly { id: string; role: Role }[],
): Promise<{ notifier: Notifier; received: Received[] }> {
  const principals: UserPrincipal[] = [];
  for (const { id, role } of users) {
    principals.push({
      kind: 'user',
      id,
      email: `${id}@x.invalid`,
      name: id,
      role,
      totpEnabled: false,
      sites: await siteAccessOf(db, id, role),
      session: { idHash: '', csrfHash: '' },
    });
  }
  const received: Received[] = [];
  const notifier = new Notifier();
  notifier.attach({
    publish: (event, to) => {
      const reached = principals.filter((p) => to(p)).map((p) => p.id);
      for (const id of reached) received.push({ to: id, event });
      return reached;
    },
  });
  return { notifier, received };
}
