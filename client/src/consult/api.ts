import type {
  ConsultDto,
  ConsultMessageDto,
  ConsultOutcome,
  CreateConsultRequest,
  JoinConsultDto,
} from '@telestroke/shared';
import { http } from '../api/http';

const one = (id: string) => `/api/consults/${encodeURIComponent(id)}`;

/** Starts an urgent consult (ward doctor). */
export function createConsult(body: CreateConsultRequest): Promise<ConsultDto> {
  return http.post<ConsultDto>('/api/consults', body);
}

/** The consults the caller may see, newest first. */
export function listConsults(signal?: AbortSignal): Promise<ConsultDto[]> {
  return http.get<ConsultDto[]>('/api/consults', { signal });
}

export function getConsult(id: string, signal?: AbortSignal): Promise<ConsultDto> {
  return http.get<ConsultDto>(one(id), { signal });
}

/** Takes the consult (neurologist); rejects with 409 CONSULT_TAKEN when another neurologist was first. */
export function acceptConsult(id: string): Promise<ConsultDto> {
  return http.post<ConsultDto>(`${one(id)}/accept`);
}

/** Where and how to reach the consult's room; a short-lived token each time. */
export function joinConsult(id: string): Promise<JoinConsultDto> {
  return http.post<JoinConsultDto>(`${one(id)}/join`);
}

export function endConsult(id: string, outcome: ConsultOutcome, note?: string): Promise<ConsultDto> {
  return http.post<ConsultDto>(`${one(id)}/end`, note ? { outcome, note } : { outcome });
}

export function cancelConsult(id: string): Promise<ConsultDto> {
  return http.post<ConsultDto>(`${one(id)}/cancel`);
}

export function listMessages(id: string, signal?: AbortSignal): Promise<ConsultMessageDto[]> {
  return http.get<ConsultMessageDto[]>(`${one(id)}/messages`, { signal });
}

export function postMessage(id: string, text: string): Promise<ConsultMessageDto> {
  return http.post<ConsultMessageDto>(`${one(id)}/messages`, { text });
}
