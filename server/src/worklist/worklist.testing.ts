import { XSRF_COOKIE, XSRF_HEADER, type ReadRequestDto, type StrokeFindings } from '@telestroke/shared';
import type { Queryable } from '../db/Db';
import { multipartPieces, postStow, stowContentType } from '../dicom/stow/stow.testing';
import { generateStudy, type SyntheticStudyOptions } from '../dicom/synthetic/synthetic';
import type { ApiClient, TestServer } from '../testing';

export { addUser, login, openEvents, type EventSocket } from '../consult/consult.testing';
export { createGatewayToken } from '../dicom/stow/stow.testing';

/** Test helpers of the worklist tests. */

/** Complete findings: left M1 occlusion, ASPECTS 8, transfer for thrombectomy. */
export function strokeFindings(overrides: Partial<StrokeFindings> = {}): StrokeFindings {
  return {
    haemorrhage: 'none',
    earlyIschaemicSigns: true,
    aspects: {
      caudate: false,
      lentiform: false,
      internalCapsule: false,
      insula: true,
      M1: false,
      M2: true,
      M3: false,
      M4: false,
      M5: false,
      M6: false,
    },
    hyperdenseVesselSign: true,
    lvo: 'M1',
    recommendation: 'thrombectomy_transfer',
    freeText: 'Occlusion M1 gauche, pénombre étendue.',
    ...overrides,
  };
}

/** Who sends: a site gateway's bearer token, or a logged-in user (cookie and XSRF header). */
export type Sender = { token: string } | { client: ApiClient; site?: string };

/**
 * STOWs a small synthetic CT (a few 32×32 slices) and returns its Study Instance UID. Fails the test unless every
 * instance was stored.
 */
export async function stowStudy(t: TestServer, sender: Sender, options: SyntheticStudyOptions = {}): Promise<string> {
  const files = [...generateStudy({ slices: 3, rows: 32, columns: 32, ...options })];
  const headers: Record<string, string> = { 'content-type': stowContentType() };
  let url = `${t.url}/dicom-web/studies`;
  if ('token' in sender) headers.authorization = `Bearer ${sender.token}`;
  else {
    headers.cookie = [...sender.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    headers[XSRF_HEADER] = sender.client.cookies.get(XSRF_COOKIE)!;
    if (sender.site) url += `?site=${sender.site}`;
  }
  const res = await postStow(url, multipartPieces(files.map((f) => f.bytes)), headers);
  if (res.status !== 200) throw new Error(`STOW answered ${res.status} ${JSON.stringify(res.body)}`);
  return files[0]!.studyInstanceUid;
}

/** The request of a study, polled until it exists (the arrival event is handled asynchronously). */
export async function requestOfStudy(
  db: Queryable,
  studyUid: string,
  timeoutMs = 5000,
): Promise<{ id: string; status: string; consult_id: string | null }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ id: string; status: string; consult_id: string | null }>(
      `SELECT r.id, r.status, r.consult_id FROM read_requests r JOIN dicom_studies s ON s.id = r.study_id WHERE s.study_uid = $1`,
      [studyUid],
    );
    if (rows[0]) return rows[0];
    if (Date.now() > until) throw new Error(`no read request for study ${studyUid} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** PUT with a JSON body, as the client app sends it. */
export function put<T = any>(client: ApiClient, urlPath: string, json: unknown) {
  return client.request<T>('PUT', urlPath, { json });
}

/** Polls `get` until `ok` holds of its value. */
export async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A request's row in a client's worklist, or undefined. */
export async function rowOf(client: ApiClient, id: string): Promise<ReadRequestDto | undefined> {
  const res = await client.get<ReadRequestDto[]>('/api/worklist?limit=500');
  if (res.status !== 200) throw new Error(`GET /api/worklist answered ${res.status}`);
  return res.body.find((r) => r.id === id);
}
