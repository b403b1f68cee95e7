import { z } from 'zod';

export const ROLES = ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

export const SITE_KINDS = ['hub', 'remote'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/** Site codes are short upper-case identifiers, e.g. `MACON`. */
export const SiteCodeSchema = z
  .string()
  .regex(/^[A-Z0-9_-]{2,32}$/, 'site code: 2-32 characters A-Z, 0-9, _ or -');

export const EmailSchema = z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(254));

export const LoginRequestSchema = z
  .object({
    email: EmailSchema,
    password: z.string().min(1).max(1024),
    /** Six-digit TOTP code, required only when the account has a second factor. */
    totp: z.string().regex(/^\d{6}$/).optional(),
  })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const TotpCodeRequestSchema = z.object({ code: z.string().regex(/^\d{6}$/) }).strict();

export interface SiteDto {
  id: string;
  code: string;
  name: string;
  kind: SiteKind;
  /** The hub a remote site sends its patients to; null for hubs. */
  hubCode: string | null;
}

export interface UserDto {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** Sites the user belongs to. */
  sites: SiteDto[];
  totpEnabled: boolean;
}

/** `GET /api/me`. */
export interface MeDto {
  user: UserDto;
  /** Every site whose data this user may see: their own, plus the remote sites of their hub for hub staff. */
  visibleSiteCodes: string[];
  permissions: Permission[];
}

export interface AeTitleDto {
  id: string;
  aeTitle: string;
  siteCode: string;
  createdAt: string;
}

export interface ApiTokenDto {
  id: string;
  name: string;
  siteCode: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Returned once, at creation: the token itself is never stored nor shown again. */
export interface CreatedApiTokenDto extends ApiTokenDto {
  token: string;
}

/** DICOM AE titles: up to 16 characters of the default repertoire, no backslash, not only spaces. */
export const AeTitleSchema = z
  .string()
  .trim()
  .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'AE title: 1-16 printable ASCII characters, no backslash');

export const CreateTokenRequestSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();
export const CreateAeTitleRequestSchema = z.object({ aeTitle: AeTitleSchema }).strict();

/**
 * What a principal may do. Routes name one permission; the server's access policy maps it to roles and
 * checks the site scope in one place. The client uses the same list to decide what to show.
 */
export const PERMISSIONS = {
  'me:read': ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'],
  'sites:read': ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'],
  'users:read': ['scheduler', 'admin'],
  'tokens:manage': ['admin'],
  'ae-titles:manage': ['admin'],
  'audit:read': ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => roleHasPermission(role, p));
}

/** Names of the cookies and header of the session and CSRF double-submit scheme. */
export const SESSION_COOKIE = 'ts_session';
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'X-XSRF-Token';
