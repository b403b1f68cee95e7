import type { LoginRequest, MeDto, TotpSetupDto } from '@telestroke/shared';
import { http } from './http';

/** A 401 here is an answer about the credentials, not a lost session. */
export function login(credentials: LoginRequest): Promise<MeDto> {
  return http.post<MeDto>('/api/auth/login', credentials, { reportSessionLoss: false });
}

export function logout(): Promise<void> {
  return http.post<void>('/api/auth/logout', undefined, { reportSessionLoss: false });
}

/** `reportSessionLoss: false` for the start-up probe, where a 401 just means "show the login screen". */
export function getMe(options: { signal?: AbortSignal; reportSessionLoss?: boolean } = {}): Promise<MeDto> {
  return http.get<MeDto>('/api/me', options);
}

export function setupTotp(): Promise<TotpSetupDto> {
  return http.post<TotpSetupDto>('/api/auth/totp/setup');
}

export function enableTotp(code: string): Promise<void> {
  return http.post<void>('/api/auth/totp/enable', { code });
}

export function disableTotp(code: string): Promise<void> {
  return http.post<void>('/api/auth/totp/disable', { code });
}
