import { z } from 'zod';
import { RoleSchema, SiteCodeSchema } from './auth';

/**
 * The urgent-read worklist: one read request per study a remote site sends, read by the hub's neurologists
 * and radiologists, answered with a structured stroke report.
 *
 * arriving (first image stored) -> ready (no image for the quiet period) -> claimed (one reader) -> reported
 * (report signed); a signed report is never changed, corrections are addenda.
 *
 * API (session cookie; errors answer `{"error":{"code"}}`):
 * - `GET  /api/worklist?siteCode&modality&status&limit` -> ReadRequestDto[] (open requests first, most urgent first)
 * - `GET  /api/worklist/readers` -> ReaderDto[] (hub readers only)
 * - `GET  /api/worklist/{id}` -> ReadRequestDetailDto (an audited open)
 * - `POST /api/worklist/{id}/claim` -> ReadRequestDto; 409 ALREADY_CLAIMED to the loser of a race, READ_STATE if reported
 * - `POST /api/worklist/{id}/release` -> ReadRequestDto (the claimer); 409 NOT_CLAIMED_BY_YOU
 * - `POST /api/worklist/{id}/reassign` {userId} -> ReadRequestDto (a hub reader, to another hub reader)
 * - `PUT  /api/worklist/{id}/report` StrokeFindingsDraft -> ReportDraftDto (the claimer); 409 REPORT_SIGNED once signed
 * - `POST /api/worklist/{id}/report/sign` StrokeFindings -> SignedReportDto (the claimer)
 * - `POST /api/worklist/{id}/report/addenda` {text} -> SignedReportDto (a hub reader, after signing)
 * - `GET  /api/worklist/{id}/report.pdf` -> application/pdf (signed reports)
 * Pushed over /ws: `worklist.updated`, `worklist.alert`, `worklist.report` (see realtime.ts).
 */
export const READ_STATUSES = ['arriving', 'ready', 'claimed', 'reported'] as const;
export const ReadStatusSchema = z.enum(READ_STATUSES);
export type ReadStatus = z.infer<typeof ReadStatusSchema>;

/** P1 is a stroke code: every study from a remote site is P1 unless said otherwise. */
export const READ_PRIORITIES = ['P1', 'P2', 'P3'] as const;
export const ReadPrioritySchema = z.enum(READ_PRIORITIES);
export type ReadPriority = z.infer<typeof ReadPrioritySchema>;

export const HAEMORRHAGE_KINDS = ['none', 'ICH', 'SAH', 'SDH', 'other'] as const;
export const HaemorrhageSchema = z.enum(HAEMORRHAGE_KINDS);
export type Haemorrhage = z.infer<typeof HaemorrhageSchema>;

/** The ten ASPECTS regions of the middle cerebral artery territory, in the order of the usual scoring sheet. */
export const ASPECTS_REGIONS = [
  'caudate',
  'lentiform',
  'internalCapsule',
  'insula',
  'M1',
  'M2',
  'M3',
  'M4',
  'M5',
  'M6',
] as const;
export type AspectsRegion = (typeof ASPECTS_REGIONS)[number];

/** One boolean per region: true = the region shows early ischaemic change (it loses its point). */
export const AspectsRegionsSchema = z
  .object({
    caudate: z.boolean(),
    lentiform: z.boolean(),
    internalCapsule: z.boolean(),
    insula: z.boolean(),
    M1: z.boolean(),
    M2: z.boolean(),
    M3: z.boolean(),
    M4: z.boolean(),
    M5: z.boolean(),
    M6: z.boolean(),
  })
  .strict();
export type AspectsRegions = z.infer<typeof AspectsRegionsSchema>;

/** Every region unaffected: ASPECTS 10. */
export const NORMAL_ASPECTS: AspectsRegions = Object.freeze(
  Object.fromEntries(ASPECTS_REGIONS.map((r) => [r, false])) as AspectsRegions,
);

/** ASPECTS = 10 minus the number of affected regions (0-10). Regions left out of a draft count as unaffected. */
export function aspectsScore(regions: Partial<AspectsRegions>): number {
  return 10 - ASPECTS_REGIONS.filter((r) => regions[r] === true).length;
}

export const LVO_SITES = ['none', 'ICA', 'M1', 'M2', 'basilar', 'other'] as const;
export const LvoSiteSchema = z.enum(LVO_SITES);
export type LvoSite = z.infer<typeof LvoSiteSchema>;

export const RECOMMENDATIONS = ['ivt_candidate', 'thrombectomy_transfer', 'neither'] as const;
export const RecommendationSchema = z.enum(RECOMMENDATIONS);
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const REPORT_FREE_TEXT_MAX = 4000;
export const ADDENDUM_TEXT_MAX = 2000;

/** The findings of a structured stroke read. Complete: what is signed. */
export const StrokeFindingsSchema = z
  .object({
    haemorrhage: HaemorrhageSchema,
    earlyIschaemicSigns: z.boolean(),
    aspects: AspectsRegionsSchema,
    hyperdenseVesselSign: z.boolean(),
    /** Large-vessel occlusion on CTA; 'none' when no CTA shows one. */
    lvo: LvoSiteSchema,
    recommendation: RecommendationSchema,
    freeText: z.string().trim().max(REPORT_FREE_TEXT_MAX).default(''),
  })
  .strict();
export type StrokeFindings = z.infer<typeof StrokeFindingsSchema>;

/** A draft may be saved half filled in: every field optional, ASPECTS regions too. */
export const StrokeFindingsDraftSchema = z
  .object({
    haemorrhage: HaemorrhageSchema.optional(),
    earlyIschaemicSigns: z.boolean().optional(),
    aspects: AspectsRegionsSchema.partial().optional(),
    hyperdenseVesselSign: z.boolean().optional(),
    lvo: LvoSiteSchema.optional(),
    recommendation: RecommendationSchema.optional(),
    freeText: z.string().trim().max(REPORT_FREE_TEXT_MAX).optional(),
  })
  .strict();
export type StrokeFindingsDraft = z.infer<typeof StrokeFindingsDraftSchema>;

/** `PUT /api/worklist/{id}/report`: save (replace) the claimer's draft. */
export const SaveReportDraftRequestSchema = StrokeFindingsDraftSchema;
/** `POST /api/worklist/{id}/report/sign`: sign these findings (the claimer). The score is computed by the server. */
export const SignReportRequestSchema = StrokeFindingsSchema;
/** `POST /api/worklist/{id}/report/addenda`: append a correction to a signed report (a hub reader). */
export const AddAddendumRequestSchema = z.object({ text: z.string().trim().min(1).max(ADDENDUM_TEXT_MAX) }).strict();
/** `POST /api/worklist/{id}/reassign`: hand the request to another reader of the hub. */
export const ReassignReadRequestSchema = z.object({ userId: z.uuid() }).strict();

/** `GET /api/worklist` filters. */
export const WorklistQuerySchema = z
  .object({
    siteCode: SiteCodeSchema.optional(),
    /** DICOM modality, e.g. CT or MR. */
    modality: z.string().regex(/^[A-Z]{2,4}$/).optional(),
    status: ReadStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();
export type WorklistQuery = z.infer<typeof WorklistQuerySchema>;

const PersonRefSchema = z.object({ id: z.uuid(), name: z.string() });
export type PersonRef = z.infer<typeof PersonRefSchema>;

export const AddendumDtoSchema = z.object({
  id: z.uuid(),
  text: z.string(),
  signedBy: PersonRefSchema,
  signedAt: z.string(),
});
export type AddendumDto = z.infer<typeof AddendumDtoSchema>;

/** A signed report: immutable, with its addenda oldest first. */
export const SignedReportDtoSchema = z.object({
  requestId: z.uuid(),
  status: z.literal('signed'),
  findings: StrokeFindingsSchema,
  /** aspectsScore(findings.aspects), computed by the server at signing. */
  aspectsScore: z.number().int().min(0).max(10),
  signedBy: PersonRefSchema,
  signedAt: z.string(),
  addenda: z.array(AddendumDtoSchema),
});
export type SignedReportDto = z.infer<typeof SignedReportDtoSchema>;

/** The claimer's unsigned draft; only its author sees it. */
export const ReportDraftDtoSchema = z.object({
  requestId: z.uuid(),
  status: z.literal('draft'),
  findings: StrokeFindingsDraftSchema,
  aspectsScore: z.number().int().min(0).max(10),
  author: PersonRefSchema,
  updatedAt: z.string(),
});
export type ReportDraftDto = z.infer<typeof ReportDraftDtoSchema>;

/** What a worklist row shows of a signed report. */
export const ReportSummaryDtoSchema = z.object({
  signedBy: PersonRefSchema,
  signedAt: z.string(),
  aspectsScore: z.number().int().min(0).max(10),
  recommendation: RecommendationSchema,
  addendumCount: z.number().int().min(0),
});
export type ReportSummaryDto = z.infer<typeof ReportSummaryDtoSchema>;

/** One read request, as a worklist row. Never the patient's name. */
export const ReadRequestDtoSchema = z.object({
  id: z.uuid(),
  status: ReadStatusSchema,
  priority: ReadPrioritySchema,
  /** The remote site that sent the study. */
  siteCode: z.string(),
  siteName: z.string(),
  hubCode: z.string(),
  studyInstanceUid: z.string(),
  /** The study's id in our store (not the DICOM StudyID). */
  studyId: z.uuid(),
  modalities: z.array(z.string()),
  description: z.string().nullable(),
  instanceCount: z.number().int(),
  seriesCount: z.number().int(),
  /**
   * The sending site's patient reference (DICOM PatientID, never a name) where the caller may see it, else null.
   * Shown on screen, never logged.
   */
  patientRef: z.string().nullable(),
  createdAt: z.string(),
  /** When the first image of the study was stored: the SLA runs from here. */
  firstImageAt: z.string(),
  /** firstImageAt + the SLA (WORKLIST_SLA_MINUTES, 15 by default). */
  slaDueAt: z.string(),
  /** When the request was escalated to the backup on-call for being unclaimed too long; null if not. */
  escalatedAt: z.string().nullable(),
  /** Not reported by slaDueAt (set by the server's timer, and true for a request reported late). */
  slaBreached: z.boolean(),
  claimedBy: PersonRefSchema.nullable(),
  claimedAt: z.string().nullable(),
  /** The open consult of the same patient this study was attached to, if any. */
  consultId: z.uuid().nullable(),
  report: ReportSummaryDtoSchema.nullable(),
});
export type ReadRequestDto = z.infer<typeof ReadRequestDtoSchema>;

/**
 * `GET /api/worklist/{id}` (an audited open): the request, its signed report if any, and the caller's own draft
 * while they hold the claim.
 */
export const ReadRequestDetailDtoSchema = z.object({
  request: ReadRequestDtoSchema,
  report: SignedReportDtoSchema.nullable(),
  draft: ReportDraftDtoSchema.nullable(),
});
export type ReadRequestDetailDto = z.infer<typeof ReadRequestDetailDtoSchema>;

/** `GET /api/worklist/readers`: the hub's neurologists and radiologists a request may be reassigned to. */
export const ReaderDtoSchema = z.object({ id: z.uuid(), name: z.string(), role: RoleSchema, hubCode: z.string() });
export type ReaderDto = z.infer<typeof ReaderDtoSchema>;

/**
 * Why a worklist alert (sound and notification) goes to someone: a new request (the on-call readers), one unclaimed
 * too long (the backup on-call), an SLA breach (both), a request reassigned to them (the new reader).
 */
export const WORKLIST_ALERT_REASONS = ['new', 'escalated', 'sla_breached', 'assigned'] as const;
export const WorklistAlertReasonSchema = z.enum(WORKLIST_ALERT_REASONS);
export type WorklistAlertReason = z.infer<typeof WorklistAlertReasonSchema>;
