import type {
  AddCaseEventRequest,
  CaseDecisionRequest,
  CaseMessageDto,
  CaseRecordDto,
  NihssAssessmentDto,
  NihssItemId,
  NihssValue,
  PrepareOrderRequest,
  ThrombolysisOrderDto,
  TransferRequest,
} from '@telestroke/shared';
import { http, request } from '../api/http';

const one = (id: string) => `/api/cases/${encodeURIComponent(id)}`;

/** The whole record; the server audits every read. */
export function getCase(id: string, signal?: AbortSignal): Promise<CaseRecordDto> {
  return http.get<CaseRecordDto>(one(id), { signal });
}

/** The case of a consult (created on the server for consults older than case records). */
export function getCaseOfConsult(consultId: string, signal?: AbortSignal): Promise<CaseRecordDto> {
  return http.get<CaseRecordDto>(`/api/cases?consultId=${encodeURIComponent(consultId)}`, { signal });
}

export function addCaseEvent(id: string, body: AddCaseEventRequest): Promise<CaseRecordDto> {
  return http.post<CaseRecordDto>(`${one(id)}/events`, body);
}

export function startNihss(id: string, label: string): Promise<NihssAssessmentDto> {
  return http.post<NihssAssessmentDto>(`${one(id)}/nihss`, { label });
}

/** Answers one item; null clears it. */
export function setNihssItem(
  id: string,
  assessmentId: string,
  item: NihssItemId,
  value: NihssValue | null,
): Promise<NihssAssessmentDto> {
  return request<NihssAssessmentDto>(`${one(id)}/nihss/${encodeURIComponent(assessmentId)}/items/${item}`, {
    method: 'PUT',
    body: { value },
  });
}

/** Records the checked INS, or clears it with null. */
export function setCaseIns(id: string, ins: string | null): Promise<CaseRecordDto> {
  return request<CaseRecordDto>(`${one(id)}/ins`, { method: 'PUT', body: { ins } });
}

export function decide(id: string, body: CaseDecisionRequest): Promise<CaseRecordDto> {
  return http.post<CaseRecordDto>(`${one(id)}/decision`, body);
}

export function requestTransfer(id: string, body: TransferRequest): Promise<CaseRecordDto> {
  return http.post<CaseRecordDto>(`${one(id)}/transfer`, body);
}

export function acknowledgeTransfer(id: string): Promise<CaseRecordDto> {
  return http.post<CaseRecordDto>(`${one(id)}/transfer/ack`);
}

export function listCaseMessages(id: string, signal?: AbortSignal): Promise<CaseMessageDto[]> {
  return http.get<CaseMessageDto[]>(`${one(id)}/messages`, { signal });
}

export function postCaseMessage(id: string, text: string): Promise<CaseMessageDto> {
  return http.post<CaseMessageDto>(`${one(id)}/messages`, { text });
}

export function prepareThrombolysis(id: string, body: PrepareOrderRequest): Promise<ThrombolysisOrderDto> {
  return http.post<ThrombolysisOrderDto>(`${one(id)}/thrombolysis`, body);
}

/** The second person's check; 409 SECOND_CHECK_SAME_PERSON for whoever prepared it. */
export function confirmThrombolysis(id: string, orderId: string): Promise<ThrombolysisOrderDto> {
  return http.post<ThrombolysisOrderDto>(`${one(id)}/thrombolysis/${encodeURIComponent(orderId)}/confirm`);
}

export function recordBolus(id: string, orderId: string): Promise<ThrombolysisOrderDto> {
  return http.post<ThrombolysisOrderDto>(`${one(id)}/thrombolysis/${encodeURIComponent(orderId)}/bolus`, {});
}

/** The printable summary in the user's language, opened by the browser itself (session cookie). */
export function summaryPdfHref(id: string, lang: 'fr' | 'en'): string {
  return `${one(id)}/summary.pdf?lang=${lang}`;
}
