import { z } from 'zod';

export const ROLES = ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const SITE_KINDS = ['hub', 'remote'] as const;
export const SiteKindSchema = z.enum(SITE_KINDS);
export type SiteKind = z.infer<typeof SiteKindSchema>;

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
export const TotpSetupSchema = z.object({ secret: z.string(), otpauthUrl: z.string() });
export type TotpSetupDto = z.infer<typeof TotpSetupSchema>;

export const SiteDtoSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: SiteKindSchema,
  /** The hub a remote site sends its patients to; null for hubs. */
  hubCode: z.string().nullable(),
});
export type SiteDto = z.infer<typeof SiteDtoSchema>;

export const UserDtoSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  /** Sites the user belongs to. */
  sites: z.array(SiteDtoSchema),
  totpEnabled: z.boolean(),
});
export type UserDto = z.infer<typeof UserDtoSchema>;

/**
 * What a principal may do. Routes name one permission; the server's access policy maps it to roles and
 * checks the site scope in one place. The client uses the same table to decide what to show.
 */
export const PERMISSIONS = {
  'me:read': ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'],
  'sites:read': ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'],
  'users:read': ['scheduler', 'admin'],
  'tokens:manage': ['admin'],
  'ae-titles:manage': ['admin'],
  'audit:read': ['admin'],
  /** Send studies (STOW-RS) for one's own site. Site gateways hold it through their token. */
  'dicom:store': ['ward_doctor', 'radiologist'],
  /** Query and retrieve studies (QIDO-RS, WADO-RS, WADO-URI) of the visible sites. */
  'dicom:read': ['ward_doctor', 'neurologist', 'radiologist'],
  /** Start an urgent consult from one's own remote site, and cancel it while nobody has accepted it. */
  'consult:request': ['ward_doctor'],
  /** List and read the consults of the visible sites (patient reference, age, reason: clinical staff only). */
  'consult:read': ['ward_doctor', 'neurologist'],
  /** Take a requested consult of one's hub; the first to accept wins. */
  'consult:accept': ['neurologist'],
  /** Get a join token for the consult's video room. The consult's participants only. */
  'consult:join': ['ward_doctor', 'neurologist'],
  /** End an accepted consult with its outcome. The consult's participants only. */
  'consult:end': ['ward_doctor', 'neurologist'],
  /** Read and write the consult's chat. The consult's participants only. */
  'consult:chat': ['ward_doctor', 'neurologist'],
  /** See planned teleconsultations: ward doctors their site's, specialists their own, schedulers their hub's. */
  'booking:read': ['ward_doctor', 'neurologist', 'radiologist', 'scheduler'],
  /** Book, reschedule, cancel and mark no-shows, for everyone of the visible sites. */
  'booking:manage': ['scheduler'],
  /** Join a booking's room at its time: its specialist and its site's (requesting) ward doctor only. */
  'booking:join': ['ward_doctor', 'neurologist', 'radiologist'],
  /** Weekly slots and exceptions: specialists their own, schedulers anyone's of their hub. */
  'availability:manage': ['neurologist', 'radiologist', 'scheduler'],
  /** The on-call rota and its gaps. */
  'rota:read': ['neurologist', 'radiologist', 'scheduler'],
  'rota:manage': ['scheduler'],
  /** One's own iCalendar feed URL: create, replace, revoke. */
  'ics:manage': ['ward_doctor', 'neurologist', 'radiologist', 'scheduler'],
  /**
   * See the urgent-read worklist and its signed reports: hub readers for their hub's remote sites, ward doctors for
   * their own site (read only).
   */
  'worklist:read': ['ward_doctor', 'neurologist', 'radiologist'],
  /** Claim, release and reassign read requests of one's hub. */
  'worklist:claim': ['neurologist', 'radiologist'],
  /** Save and sign the structured report of a request one has claimed; add addenda to signed reports of one's hub. */
  'report:sign': ['neurologist', 'radiologist'],
  /** Read a stroke case record (audited): whoever sees its consult. */
  'case:read': ['ward_doctor', 'neurologist'],
  /**
   * Enter timeline timestamps of a case one sees; score its NIHSS, decide, transfer and use its messages as one of
   * its consult's participants; acknowledge a transfer as a neurologist of the receiving CHU.
   */
  'case:write': ['ward_doctor', 'neurologist'],
  /** Compute a thrombolysis stroke dose (no patient data). Preparing, confirming and giving an order need case:write. */
  'thrombolysis:dose': ['ward_doctor', 'neurologist'],
  /** Network quality metrics (no patient data), for the sites one sees: hub staff, schedulers, admins. */
  'metrics:read': ['neurologist', 'radiologist', 'scheduler', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;
export const PermissionSchema = z.enum(Object.keys(PERMISSIONS) as [Permission, ...Permission[]]);

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => roleHasPermission(role, p));
}

/** `GET /api/me` and the answer to a successful login. */
export const MeDtoSchema = z.object({
  user: UserDtoSchema,
  /** Every site whose data this user may see: their own, plus the remote sites of their hub for hub staff. */
  visibleSiteCodes: z.array(z.string()),
  permissions: z.array(PermissionSchema),
});
export type MeDto = z.infer<typeof MeDtoSchema>;

/** DICOM AE titles: up to 16 characters of the default repertoire, no backslash, not only spaces. */
export const AeTitleSchema = z
  .string()
  .trim()
  .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'AE title: 1-16 printable ASCII characters, no backslash');

export const AeTitleDtoSchema = z.object({
  id: z.uuid(),
  aeTitle: z.string(),
  siteCode: z.string(),
  createdAt: z.string(),
});
export type AeTitleDto = z.infer<typeof AeTitleDtoSchema>;

export const ApiTokenDtoSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  siteCode: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiTokenDto = z.infer<typeof ApiTokenDtoSchema>;

/** Returned once, at creation: the token itself is never stored nor shown again. */
export const CreatedApiTokenDtoSchema = ApiTokenDtoSchema.extend({ token: z.string() });
export type CreatedApiTokenDto = z.infer<typeof CreatedApiTokenDtoSchema>;

export const CreateTokenRequestSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();
export const CreateAeTitleRequestSchema = z.object({ aeTitle: AeTitleSchema }).strict();

/** Names of the cookies and header of the session and CSRF double-submit scheme. */
export const SESSION_COOKIE = 'ts_session';
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'X-XSRF-Token';
