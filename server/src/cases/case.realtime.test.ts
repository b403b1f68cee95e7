import type { ServerEvent } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { acceptedCase, addUser, auditOfCase, login, openEvents, setItem, startNihss, type EventSocket } from './case.testing';

/** The NIHSS is scored at one end and followed live at the other, over the browsers' real /ws WebSocket. */
let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;
let otherNeuro: ApiClient;
let nevers: ApiClient;
const sockets: EventSocket[] = [];

beforeAll(async () => {
  t = await startTestServer();
  ward = await login(t, DEMO.wardMacon);
  neuro = await login(t, DEMO.neurologist);
  nevers = await login(t, DEMO.wardNevers);
  await addUser(t, { email: 'neurologue.rt@test.invalid', name: 'Dr Tierce', role: 'neurologist', sites: ['DIJON'] });
  otherNeuro = await login(t, 'neurologue.rt@test.invalid');
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

async function socketOf(client: ApiClient) {
  const s = await openEvents(t, client);
  sockets.push(s);
  return s;
}

const nihssOf = (assessmentId: string, item: string, value: unknown) => (e: ServerEvent) =>
  e.type === 'case.nihss' && e.assessment.id === assessmentId && e.assessment.items[item as '1a']?.value === value;

describe('case.nihss', () => {
  it("an item the neurologist scores reaches the ward doctor's socket within 500 ms, every time", async () => {
    const record = await acceptedCase(ward, neuro);
    const wardSocket = await socketOf(ward);
    const a = await startNihss(neuro, record.id, 'à l’arrivée');
    await wardSocket.next((e) => e.type === 'case.nihss' && e.assessment.id === a.id);

    const latencies: number[] = [];
    for (const [item, value] of [['1a', 1], ['4', 2], ['5a', 'untestable'], ['9', 3], ['4', 0]] as const) {
      const started = performance.now();
      const put = setItem(neuro, record.id, a.id, item, value);
      const event = await wardSocket.next(nihssOf(a.id, item, value), 2000);
      latencies.push(performance.now() - started);
      expect((await put).status).toBe(200);
      if (event.type === 'case.nihss') expect(event.assessment.items[item]!.changedAt).toBeTruthy();
    }
    expect(Math.max(...latencies)).toBeLessThan(500);
    const last = wardSocket.events.filter((e) => e.type === 'case.nihss').at(-1);
    expect(last?.type === 'case.nihss' && last.assessment.total).toBe(1 + 0 + 3);
  });

  it('reaches a hub neurologist who sees the case, never a ward doctor of another site', async () => {
    const record = await acceptedCase(ward, neuro);
    const seer = await socketOf(otherNeuro);
    const stranger = await socketOf(nevers);
    const a = await startNihss(neuro, record.id);
    await setItem(neuro, record.id, a.id, '2', 1);
    await seer.next(nihssOf(a.id, '2', 1));
    // The stranger's socket is open on the same server: had the event been sent to it, it would be there by now.
    await new Promise((r) => setTimeout(r, 200));
    expect(stranger.events.some((e) => e.type.startsWith('case.'))).toBe(false);
    const notified = (await auditOfCase(t, record.id)).filter((e) => e.action === 'case.notify');
    expect(notified.length).toBeGreaterThan(0);
  });
});

describe('case.updated and case.message', () => {
  it('a timeline entry is announced as case.updated to both ends; a message goes to the participants only', async () => {
    const record = await acceptedCase(ward, neuro);
    const neuroSocket = await socketOf(neuro);
    const seer = await socketOf(otherNeuro);
    await ward.post(`/api/cases/${record.id}/events`, { kind: 'door', at: new Date(Date.now() - 60_000).toISOString() });
    await neuroSocket.next((e) => e.type === 'case.updated' && e.caseId === record.id && e.reason === 'timeline');
    await seer.next((e) => e.type === 'case.updated' && e.caseId === record.id);

    expect((await ward.post(`/api/cases/${record.id}/messages`, { text: 'Patient sous AOD ?' })).status).toBe(201);
    const got = await neuroSocket.next((e) => e.type === 'case.message' && e.message.caseId === record.id);
    expect(got.type === 'case.message' && got.message.text).toBe('Patient sous AOD ?');
    await new Promise((r) => setTimeout(r, 200));
    expect(seer.events.some((e) => e.type === 'case.message')).toBe(false);
  });
});
