import type {
  AeTitleDto,
  ApiTokenDto,
  AuditEntryDto,
  CreatedApiTokenDto,
  SiteDto,
  UserDto,
} from '@telestroke/shared';
import { http } from './http';

const site = (code: string) => `/api/sites/${encodeURIComponent(code)}`;

export function listSites(signal?: AbortSignal): Promise<SiteDto[]> {
  return http.get<SiteDto[]>('/api/sites', { signal });
}

export function listSiteUsers(siteCode: string, signal?: AbortSignal): Promise<UserDto[]> {
  return http.get<UserDto[]>(`${site(siteCode)}/users`, { signal });
}

export function listTokens(siteCode: string, signal?: AbortSignal): Promise<ApiTokenDto[]> {
  return http.get<ApiTokenDto[]>(`${site(siteCode)}/tokens`, { signal });
}

export function createToken(siteCode: string, name: string): Promise<CreatedApiTokenDto> {
  return http.post<CreatedApiTokenDto>(`${site(siteCode)}/tokens`, { name });
}

export function revokeToken(id: string): Promise<void> {
  return http.delete(`/api/tokens/${encodeURIComponent(id)}`);
}

export function listAeTitles(siteCode: string, signal?: AbortSignal): Promise<AeTitleDto[]> {
  return http.get<AeTitleDto[]>(`${site(siteCode)}/ae-titles`, { signal });
}

export function addAeTitle(siteCode: string, aeTitle: string): Promise<AeTitleDto> {
  return http.post<AeTitleDto>(`${site(siteCode)}/ae-titles`, { aeTitle });
}

export function removeAeTitle(id: string): Promise<void> {
  return http.delete(`/api/ae-titles/${encodeURIComponent(id)}`);
}

export function listAudit(siteCode: string, limit: number, signal?: AbortSignal): Promise<AuditEntryDto[]> {
  const query = new URLSearchParams({ siteCode, limit: String(limit) });
  return http.get<AuditEntryDto[]>(`/api/audit?${query}`, { signal });
}
