import type { CookieOptions, Request } from 'express';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export function cookieOptions(req: Request, secure: 'auto' | 'always' | 'never', httpOnly: boolean): CookieOptions {
  return {
    httpOnly,
    sameSite: 'lax',
    path: '/',
    secure: secure === 'always' || (secure === 'auto' && req.secure),
  };
}
