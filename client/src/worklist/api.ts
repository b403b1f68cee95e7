import type {
  ReadRequestDetailDto,
  ReadRequestDto,
  ReaderDto,
  ReportDraftDto,
  SignedReportDto,
  StrokeFindings,
  StrokeFindingsDraft,
} from '@telestroke/shared';
import { http, request } from '../api/http';
import type { WorklistFilters } from './worklist';

const one = (id: string) => `/api/worklist/${encodeURIComponent(id)}`;

/** The caller's visible read requests, filtered by the server as the screen's filters say. */
export function listWorklist(filters: WorklistFilters, signal?: AbortSignal): Promise<ReadRequestDto[]> {
  const query = new URLSearchParams();
  if (filters.siteCode) query.set('siteCode', filters.siteCode);
  if (filters.modality) query.set('modality', filters.modality);
  if (filters.status) query.set('status', filters.status);
  const qs = query.toString();
  return http.get<ReadRequestDto[]>(qs ? `/api/worklist?${qs}` : '/api/worklist', { signal });
}

/** One request with its report, or the caller's draft; the server audits this open. */
export function getReadRequest(id: string, signal?: AbortSignal): Promise<ReadRequestDetailDto> {
  return http.get<ReadRequestDetailDto>(one(id), { signal });
}

/** Rejects with 409 ALREADY_CLAIMED when another reader was first. */
export function claimRead(id: string): Promise<ReadRequestDto> {
  return http.post<ReadRequestDto>(`${one(id)}/claim`);
}

export function releaseRead(id: string): Promise<ReadRequestDto> {
  return http.post<ReadRequestDto>(`${one(id)}/release`);
}

export function reassignRead(id: string, userId: string): Promise<ReadRequestDto> {
  return http.post<ReadRequestDto>(`${one(id)}/reassign`, { userId });
}

/** The hub's readers a request may go to. */
export function listReaders(signal?: AbortSignal): Promise<ReaderDto[]> {
  return http.get<ReaderDto[]>('/api/worklist/readers', { signal });
}

export function saveDraft(id: string, findings: StrokeFindingsDraft, signal?: AbortSignal): Promise<ReportDraftDto> {
  return request<ReportDraftDto>(`${one(id)}/report`, { method: 'PUT', body: findings, signal });
}

export function signReport(id: string, findings: StrokeFindings): Promise<SignedReportDto> {
  return http.post<SignedReportDto>(`${one(id)}/report/sign`, findings);
}

/** Answers the signed report with its addenda, the new one last. */
export function addAddendum(id: string, text: string): Promise<SignedReportDto> {
  return http.post<SignedReportDto>(`${one(id)}/report/addenda`, { text });
}

/** The printable report in the user's language, opened by the browser itself (session cookie). */
export function reportPdfHref(id: string, lang: 'fr' | 'en'): string {
  return `${one(id)}/report.pdf?lang=${lang}`;
}
