import type { CaseRecordDto, NihssAssessmentDto } from '@telestroke/shared';
import { acceptedConsult } from '../consult/consult.testing';
import type { ApiClient, TestServer } from '../testing';

export { acceptedConsult, addUser, consultRequest, login, openEvents, startConsult, type EventSocket } from '../consult/consult.testing';

/** Test helpers of the stroke case tests. */

/** The case of a consult, read by `client`; fails the test unless it answers 200. */
export async function caseOf(client: ApiClient, consultId: string): Promise<CaseRecordDto> {
  const res = await client.get<CaseRecordDto>(`/api/cases?consultId=${consultId}`);
  if (res.status !== 200) throw new Error(`GET /api/cases answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A consult requested by `ward`, accepted by `neuro`, and its case. */
export async function acceptedCase(ward: ApiClient, neuro: ApiClient, overrides: Parameters<typeof acceptedConsult>[2] = {}) {
  const consult = await acceptedConsult(ward, neuro, overrides);
  return caseOf(ward, consult.id);
}

/** Starts an NIHSS assessment as `client`; fails the test unless it answers 201. */
export async function startNihss(client: ApiClient, caseId: string, label = 'à l’arrivée'): Promise<NihssAssessmentDto> {
  const res = await client.post<NihssAssessmentDto>(`/api/cases/${caseId}/nihss`, { label });
  if (res.status !== 201) throw new Error(`POST nihss answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function setItem(client: ApiClient, caseId: string, assessmentId: string, item: string, value: unknown) {
  return client.request<NihssAssessmentDto>('PUT', `/api/cases/${caseId}/nihss/${assessmentId}/items/${item}`, {
    json: { value },
  });
}

/** The audit entries of one case, oldest first. */
export async function auditOfCase(t: TestServer, caseId: string) {
  const { rows } = await t.server.db.query<{ action: string; actor_id: string; site_id: string; details: Record<string, unknown> }>(
    `SELECT action, actor_id, site_id, details FROM audit_log WHERE resource_type = 'stroke_case' AND resource_id = $1 ORDER BY seq`,
    [caseId],
  );
  return rows;
}
