import { z } from 'zod';
import { RoleSchema, SiteCodeSchema } from './auth';

export const CONSULT_STATUSES = ['requested', 'accepted', 'in_call', 'ended', 'cancelled'] as const;
export const ConsultStatusSchema = z.enum(CONSULT_STATUSES);
export type ConsultStatus = z.infer<typeof ConsultStatusSchema>;

export const CONSULT_OUTCOMES = [
  'thrombolysis',
  'thrombectomy_transfer',
  'thrombolysis_and_transfer',
  'no_reperfusion_therapy',
  'not_stroke',
  'other',
] as const;
export const ConsultOutcomeSchema = z.enum(CONSULT_OUTCOMES);
export type ConsultOutcome = z.infer<typeof ConsultOutcomeSchema>;

/**
 * A local patient reference (the remote site's own identifier, e.g. an admission number): never a name.
 * It is shown to the participants and never written to logs.
 */
export const PatientRefSchema = z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N} ._/-]+$/u, 'letters, digits, space . _ / -');

export const CreateConsultRequestSchema = z
  .object({
    patientRef: PatientRefSchema,
    ageYears: z.number().int().min(0).max(120),
    sex: z.enum(['F', 'M', 'X']),
    /** Measured or estimated weight, in kilograms. */
    weightKg: z.number().min(2).max(350),
    /** Last known well (or witnessed onset), ISO 8601 with an offset; not in the future. */
    lastKnownWellAt: z.iso.datetime({ offset: true }),
    reason: z.string().trim().min(1).max(500),
    /** A study already sent for this patient. */
    studyInstanceUid: z.string().max(64).regex(/^[0-9.]+$/).optional(),
    /** The caller's remote site the patient is at; optional when the caller belongs to exactly one remote site. */
    siteCode: SiteCodeSchema.optional(),
  })
  .strict();
export type CreateConsultRequest = z.infer<typeof CreateConsultRequestSchema>;

export const EndConsultRequestSchema = z
  .object({ outcome: ConsultOutcomeSchema, note: z.string().trim().max(2000).optional() })
  .strict();

const PersonRefSchema = z.object({ id: z.uuid(), name: z.string() });

export const ConsultDtoSchema = z.object({
  id: z.uuid(),
  status: ConsultStatusSchema,
  kind: z.enum(['urgent', 'scheduled']),
  siteCode: z.string(),
  hubCode: z.string(),
  patientRef: z.string(),
  ageYears: z.number().int(),
  sex: z.enum(['F', 'M', 'X']),
  weightKg: z.number(),
  lastKnownWellAt: z.string(),
  reason: z.string(),
  studyInstanceUid: z.string().nullable(),
  requestedBy: PersonRefSchema,
  acceptedBy: PersonRefSchema.nullable(),
  requestedAt: z.string(),
  acceptedAt: z.string().nullable(),
  /** When nobody had accepted an urgent consult in time and the backup on call was alerted; null until then. */
  escalatedAt: z.string().nullable(),
  joinedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  outcome: ConsultOutcomeSchema.nullable(),
});
export type ConsultDto = z.infer<typeof ConsultDtoSchema>;

export const IceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServerSchema>;

/** `POST /api/consults/{id}/join`: where and how to reach the consult's room on the SFU. */
export const JoinConsultDtoSchema = z.object({
  consultId: z.uuid(),
  /** WebSocket URL of the SFU's signaling endpoint, without the query string. */
  sfuUrl: z.string(),
  /** Short-lived join token for exactly this consult, user and role. */
  token: z.string(),
  expiresAt: z.string(),
  iceServers: z.array(IceServerSchema),
  self: z.object({ userId: z.uuid(), displayName: z.string(), role: RoleSchema }),
});
export type JoinConsultDto = z.infer<typeof JoinConsultDtoSchema>;

export const ConsultMessageDtoSchema = z.object({
  id: z.uuid(),
  consultId: z.uuid(),
  author: PersonRefSchema.extend({ role: RoleSchema }),
  text: z.string(),
  sentAt: z.string(),
});
export type ConsultMessageDto = z.infer<typeof ConsultMessageDtoSchema>;

export const PostConsultMessageRequestSchema = z.object({ text: z.string().trim().min(1).max(2000) }).strict();
