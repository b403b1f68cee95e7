import {
  CaseRecordDtoSchema,
  NihssAssessmentDtoSchema,
  TransferPacketDtoSchema,
  type CaseRecordDto,
  type NihssAssessmentDto,
} from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { put, requestOfStudy, stowStudy, strokeFindings } from '../worklist/worklist.testing';
import { acceptedCase, addUser, auditOfCase, caseOf, login, setItem, startConsult, startNihss } from './case.testing';

let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;
let otherNeuro: ApiClient;
let wardId: string;
let neuroId: string;

beforeAll(async () => {
  t = await startTestServer();
  ward = await login(t, DEMO.wardMacon);
  neuro = await login(t, DEMO.neurologist);
  await addUser(t, { email: 'neurologue.case@test.invalid', name: 'Dr Seconde', role: 'neurologist', sites: ['DIJON'] });
  otherNeuro = await login(t, 'neurologue.case@test.invalid');
  wardId = (await ward.get('/api/me')).body.user.id;
  neuroId = (await neuro.get('/api/me')).body.user.id;
});
afterAll(() => t.close());

const kinds = (r: CaseRecordDto) => r.timeline.map((e) => e.kind);
const entry = (r: CaseRecordDto, kind: string) => r.timeline.find((e) => e.kind === kind);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('the case of an urgent consult', () => {
  it('GET /api/cases?consultId= of a new consult answers its case with the consult timestamps as the timeline', async () => {
    const lkw = minutesAgo(75);
    const consult = await startConsult(ward, { lastKnownWellAt: lkw, patientRef: 'IPP-CASE-1' });
    const record = CaseRecordDtoSchema.parse(await caseOf(ward, consult.id));
    expect(record).toMatchObject({ consultId: consult.id, siteCode: 'MACON', hubCode: 'DIJON', patientRef: 'IPP-CASE-1', ins: null });
    expect(kinds(record)).toEqual(['lkw', 'consult_requested']);
    expect(entry(record, 'lkw')).toMatchObject({ at: lkw, estimated: false, source: 'consult', enteredBy: { id: wardId } });
    expect(record.can).toEqual({ score: true, decide: true, message: true, acknowledgeTransfer: false });

    await neuro.post(`/api/consults/${consult.id}/accept`);
    const after = await caseOf(neuro, consult.id);
    expect(after.id).toBe(record.id);
    expect(kinds(after)).toEqual(['lkw', 'consult_requested', 'consult_accepted']);
    expect(entry(after, 'consult_accepted')!.enteredBy).toEqual({ id: neuroId, name: expect.any(String) });
  });

  it('GET /api/cases/{id} is audited as a read, with ids only', async () => {
    const record = await acceptedCase(ward, neuro, { patientRef: 'IPP-AUDIT-1' });
    expect((await neuro.get(`/api/cases/${record.id}`)).status).toBe(200);
    const audit = await auditOfCase(t, record.id);
    expect(audit.filter((a) => a.action === 'case.read').map((a) => a.actor_id)).toEqual([wardId, neuroId]);
    expect(JSON.stringify(audit)).not.toContain('IPP-AUDIT-1');
  });

  it('GET /api/cases?consultId= of a consult whose case is missing creates it once', async () => {
    const consult = await startConsult(ward);
    // A consult from before the case record whose migration missed it: its case is made on the first read.
    await t.server.db.query('DELETE FROM stroke_cases WHERE consult_id = $1', [consult.id]);
    const [a, b] = await Promise.all([caseOf(ward, consult.id), caseOf(neuro, consult.id)]);
    expect(a.id).toBe(b.id);
    const { rows } = await t.server.db.query('SELECT id FROM stroke_cases WHERE consult_id = $1', [consult.id]);
    expect(rows).toHaveLength(1);
  });

  it('PUT /api/cases/{id}/ins records a checked INS, refuses a mistyped key with 400, clears with null; audited without it', async () => {
    const record = await acceptedCase(ward, neuro, { patientRef: 'IPP-INS-1' });
    expect((await put(ward, `/api/cases/${record.id}/ins`, { ins: '185057800608436' })).status).toBe(400);
    expect((await caseOf(neuro, record.consultId)).ins).toBeNull();
    const set = await put(ward, `/api/cases/${record.id}/ins`, { ins: '185057800608491' });
    expect(set.status).toBe(200);
    expect((await caseOf(neuro, record.consultId)).ins).toBe('185057800608491');
    expect((await put(neuro, `/api/cases/${record.id}/ins`, { ins: null })).status).toBe(200);
    expect((await caseOf(neuro, record.consultId)).ins).toBeNull();
    const audit = (await auditOfCase(t, record.id)).filter((a) => a.action === 'case.ins');
    expect(audit.map((a) => a.details)).toEqual([{ known: true }, { known: false }]);
    expect(JSON.stringify(await auditOfCase(t, record.id))).not.toContain('185057800608491');
  });

  it('GET /api/cases/{id} of an unknown case answers 404', async () => {
    expect((await ward.get('/api/cases/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await ward.get('/api/cases?consultId=00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('timeline', () => {
  it('POST events: door and CT start by the ward doctor, with who entered them; a later door corrects the first', async () => {
    const record = await acceptedCase(ward, neuro);
    const door1 = minutesAgo(50);
    const door2 = minutesAgo(48);
    expect((await ward.post(`/api/cases/${record.id}/events`, { kind: 'door', at: door1 })).status).toBe(201);
    expect((await ward.post(`/api/cases/${record.id}/events`, { kind: 'ct_start', at: minutesAgo(30) })).status).toBe(201);
    const res = await ward.post<CaseRecordDto>(`/api/cases/${record.id}/events`, { kind: 'door', at: door2, note: 'heure SAMU' });
    expect(res.status).toBe(201);
    expect(entry(res.body, 'door')).toMatchObject({ at: door2, source: 'entered', corrects: 1, note: 'heure SAMU', enteredBy: { id: wardId } });
    expect(kinds(res.body)).toEqual(['lkw', 'door', 'ct_start', 'consult_requested', 'consult_accepted']);
    // Both door entries stay: the first one is the correction's history.
    const { rows } = await t.server.db.query('SELECT at FROM case_events WHERE case_id = $1 AND kind = $2 ORDER BY seq', [record.id, 'door']);
    expect(rows.map((r) => (r.at as Date).toISOString())).toEqual([door1, door2]);
  });

  it('POST events with an estimated onset replaces the consult\'s last-known-well in the timeline and the view', async () => {
    const record = await acceptedCase(ward, neuro);
    const onset = minutesAgo(200);
    const res = await ward.post<CaseRecordDto>(`/api/cases/${record.id}/events`, { kind: 'lkw', at: onset, estimated: true });
    expect(entry(res.body, 'lkw')).toMatchObject({ at: onset, estimated: true, source: 'entered' });
    const { rows } = await t.server.db.query<{ kind: string; at: Date; estimated: boolean; site_id: string; hub_id: string }>(
      `SELECT kind, at, estimated, site_id, hub_id FROM case_timeline WHERE case_id = $1 AND kind = 'lkw'`,
      [record.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.at.toISOString()).toBe(onset);
    expect(rows[0]!.estimated).toBe(true);
  });

  it('POST events refuses a future time, an estimated door and a derived kind with 400', async () => {
    const record = await acceptedCase(ward, neuro);
    const post = (body: unknown) => ward.post(`/api/cases/${record.id}/events`, body);
    expect((await post({ kind: 'door', at: new Date(Date.now() + 3600_000).toISOString() })).status).toBe(400);
    expect((await post({ kind: 'door', at: minutesAgo(5), estimated: true })).status).toBe(400);
    expect((await post({ kind: 'consult_accepted', at: minutesAgo(5) })).status).toBe(400);
    expect((await post({ kind: 'door', at: new Date(Date.now() - 40 * 86_400_000).toISOString() })).status).toBe(400);
  });

  it('the images of the consult\'s study and its signed read appear as images_received and read_signed', async () => {
    const uid = await stowStudy(t, { client: ward, site: 'MACON' });
    const consult = await startConsult(ward, { studyInstanceUid: uid });
    await neuro.post(`/api/consults/${consult.id}/accept`);
    const request = await requestOfStudy(t.server.db, uid);
    expect((await neuro.post(`/api/worklist/${request.id}/claim`)).status).toBe(200);
    expect((await put(neuro, `/api/worklist/${request.id}/report`, strokeFindings())).status).toBe(200);
    expect((await neuro.post(`/api/worklist/${request.id}/report/sign`, strokeFindings())).status).toBe(200);

    const record = await caseOf(ward, consult.id);
    expect(record.studies).toHaveLength(1);
    expect(record.studies[0]).toMatchObject({ studyInstanceUid: uid, readRequestId: request.id, report: { status: 'signed', aspectsScore: 8 } });
    expect(entry(record, 'images_received')).toMatchObject({ source: 'imaging', at: record.studies[0]!.firstReceivedAt });
    expect(entry(record, 'read_signed')).toMatchObject({ source: 'report', enteredBy: { id: neuroId }, at: record.studies[0]!.report!.signedAt });
  });
});

describe('NIHSS', () => {
  it('scoring items keeps every change with who and when, and the total of the current answers', async () => {
    const record = await acceptedCase(ward, neuro);
    const a = await startNihss(neuro, record.id, 'à l’arrivée');
    expect(NihssAssessmentDtoSchema.parse(a)).toMatchObject({ seq: 1, label: 'à l’arrivée', total: 0, complete: false, startedBy: { id: neuroId } });
    await setItem(neuro, record.id, a.id, '1a', 1);
    await setItem(neuro, record.id, a.id, '5a', 4);
    await setItem(neuro, record.id, a.id, '5b', 'untestable');
    await setItem(ward, record.id, a.id, '9', 2);
    const res = await setItem(neuro, record.id, a.id, '5a', 3);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1 + 3 + 2);
    expect(res.body.items['5a']).toMatchObject({ value: 3, changedBy: { id: neuroId } });
    expect(res.body.items['5b']!.value).toBe('untestable');
    expect(res.body.items['9']!.changedBy.id).toBe(wardId);
    expect(res.body.changes.map((c) => [c.item, c.value])).toEqual([['1a', 1], ['5a', 4], ['5b', 'untestable'], ['9', 2], ['5a', 3]]);

    const cleared = await setItem(neuro, record.id, a.id, '9', null);
    expect(cleared.body.items['9']).toBeUndefined();
    expect(cleared.body.total).toBe(4);
    const { rows } = await t.server.db.query<{ total: number }>('SELECT total FROM nihss_assessments WHERE id = $1', [a.id]);
    expect(rows[0]!.total).toBe(4);
  });

  it('a second assessment ("avant bolus") joins the series; the first keeps its answers', async () => {
    const record = await acceptedCase(ward, neuro);
    const first = await startNihss(neuro, record.id, 'à l’arrivée');
    await setItem(neuro, record.id, first.id, '4', 2);
    const second = await startNihss(neuro, record.id, 'avant bolus');
    await setItem(neuro, record.id, second.id, '4', 1);
    const series = (await caseOf(neuro, record.consultId)).nihss;
    expect(series.map((s) => [s.seq, s.label, s.total])).toEqual([[1, 'à l’arrivée', 2], [2, 'avant bolus', 1]]);
  });

  it('PUT an item with a score outside it, or untestable where the scale forbids it, answers 422 NIHSS_VALUE_INVALID', async () => {
    const record = await acceptedCase(ward, neuro);
    const a = await startNihss(neuro, record.id);
    for (const [item, value] of [['1b', 3], ['1a', 'untestable'], ['11', 4]] as const) {
      const res = await setItem(neuro, record.id, a.id, item, value);
      expect(res.status).toBe(422);
      expect((res.body as unknown as { error: { code: string } }).error.code).toBe('NIHSS_VALUE_INVALID');
    }
    expect((await setItem(neuro, record.id, a.id, '12', 0)).status).toBe(400);
    const { rows } = await t.server.db.query('SELECT 1 FROM nihss_item_changes WHERE assessment_id = $1', [a.id]);
    expect(rows).toHaveLength(0);
  });

  it('PUT an item of another case\'s assessment answers 404 and changes nothing', async () => {
    const one = await acceptedCase(ward, neuro);
    const other = await acceptedCase(ward, neuro);
    const a = await startNihss(neuro, one.id);
    expect((await setItem(neuro, other.id, a.id, '1a', 1)).status).toBe(404);
    expect((await caseOf(neuro, one.consultId)).nihss[0]!.changes).toEqual([]);
  });

  it('concurrent item changes by both ends all land, and the total is theirs', async () => {
    const record = await acceptedCase(ward, neuro);
    const a = await startNihss(neuro, record.id);
    const answers: [string, number][] = [['1a', 1], ['1b', 2], ['1c', 1], ['2', 2], ['3', 1], ['4', 3], ['8', 1], ['11', 1]];
    const results = await Promise.all(answers.map(([item, v], i) => setItem(i % 2 ? ward : neuro, record.id, a.id, item, v)));
    expect(results.map((r) => r.status)).toEqual(answers.map(() => 200));
    const [final] = (await caseOf(neuro, record.consultId)).nihss as NihssAssessmentDto[];
    expect(final!.total).toBe(12);
    expect(final!.changes).toHaveLength(answers.length);
  });
});

describe('decision and transfer', () => {
  it('POST decision records it with who and when; the first one is the timeline\'s decision, a later one replaces it', async () => {
    const record = await acceptedCase(ward, neuro);
    const first = await neuro.post<CaseRecordDto>(`/api/cases/${record.id}/decision`, { decision: 'thrombolysis' });
    expect(first.status).toBe(200);
    expect(first.body.decision).toMatchObject({ decision: 'thrombolysis', decidedBy: { id: neuroId } });
    const at = entry(first.body, 'decision')!.at;
    const second = await neuro.post<CaseRecordDto>(`/api/cases/${record.id}/decision`, {
      decision: 'thrombolysis_and_transfer',
      note: 'occlusion M1',
    });
    expect(second.body.decision).toMatchObject({ decision: 'thrombolysis_and_transfer', note: 'occlusion M1' });
    expect(entry(second.body, 'decision')!.at).toBe(at);
    expect((await neuro.post(`/api/cases/${record.id}/decision`, { decision: 'maybe' })).status).toBe(400);
  });

  it('POST transfer carries the record to the CHU; a Dijon neurologist acknowledges it once; the ward doctor cannot', async () => {
    const record = await acceptedCase(ward, neuro);
    const a = await startNihss(neuro, record.id, 'avant transfert');
    await setItem(neuro, record.id, a.id, '9', 3);
    await ward.post(`/api/cases/${record.id}/events`, { kind: 'door', at: minutesAgo(40) });
    await neuro.post(`/api/cases/${record.id}/decision`, { decision: 'thrombectomy_transfer' });

    expect((await ward.get(`/api/cases/${record.id}/transfer`)).status).toBe(404);
    const sent = await ward.post<CaseRecordDto>(`/api/cases/${record.id}/transfer`, { note: 'SMUR, départ 10 min' });
    expect(sent.status).toBe(201);
    expect(sent.body.transfer).toMatchObject({ toSiteCode: 'DIJON', requestedBy: { id: wardId }, acknowledgedBy: null });
    expect((await ward.post(`/api/cases/${record.id}/transfer`, {})).body.error.code).toBe('CASE_STATE');

    // A later change does not alter what was sent.
    await setItem(neuro, record.id, a.id, '9', 1);
    const packet = TransferPacketDtoSchema.parse((await otherNeuro.get(`/api/cases/${record.id}/transfer`)).body);
    expect(packet.record.nihss[0]!.items['9']!.value).toBe(3);
    expect(packet.record.decision!.decision).toBe('thrombectomy_transfer');
    expect(packet.record.timeline.map((e) => e.kind)).toContain('door');

    expect((await otherNeuro.get<CaseRecordDto>(`/api/cases/${record.id}`)).body.can.acknowledgeTransfer).toBe(true);
    expect((await ward.post(`/api/cases/${record.id}/transfer/ack`)).status).toBe(403);
    const acked = await otherNeuro.post<CaseRecordDto>(`/api/cases/${record.id}/transfer/ack`);
    expect(acked.status).toBe(200);
    expect(acked.body.transfer!.acknowledgedBy!.name).toBe('Dr Seconde');
    expect(acked.body.can.acknowledgeTransfer).toBe(false);
    expect((await neuro.post(`/api/cases/${record.id}/transfer/ack`)).body.error.code).toBe('CASE_STATE');
    const actions = (await auditOfCase(t, record.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['case.transfer', 'case.transfer.read', 'case.transfer.ack']));
  });

  it('POST transfer/ack with no transfer answers 409 CASE_STATE', async () => {
    const record = await acceptedCase(ward, neuro);
    expect((await neuro.post(`/api/cases/${record.id}/transfer/ack`)).body.error.code).toBe('CASE_STATE');
  });
});

describe('summary PDF', () => {
  it('GET summary.pdf answers a PDF, audited, for anyone who sees the case', async () => {
    const record = await acceptedCase(ward, neuro);
    const res = await fetch(`${t.url}/api/cases/${record.id}/summary.pdf`, {
      headers: { cookie: [...otherNeuro.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await auditOfCase(t, record.id)).some((e) => e.action === 'case.summary.pdf')).toBe(true);
  });
});
