import { z } from 'zod';
import { ConsultDtoSchema } from './consult';
import { RoleSchema } from './auth';
import { ThrombolysisOrderDtoSchema } from './thrombolysis';
import { SignedReportDtoSchema } from './worklist';

/**
 * The stroke case record: one per urgent consult. It links the patient reference (INS where known), the consult, the
 * studies and their signed reads, the timeline, the NIHSS series, the decision, the transfer to the CHU and the case
 * messages.
 *
 * Who: everyone who sees the consult (consult policy: `consult:read` and the consult's remote site) reads the record;
 * the consult's participants (requesting ward doctor, accepting neurologist) score the NIHSS, decide, transfer and
 * read/write the messages; the CHU's neurologists acknowledge a transfer. Every read is audited; out of scope -> 404.
 *
 * API (session cookie; errors answer `{"error":{"code"}}`):
 * - `GET  /api/cases?consultId=` -> CaseRecordDto (created lazily for consults older than the case record)
 * - `GET  /api/cases/{id}` -> CaseRecordDto
 * - `POST /api/cases/{id}/events` AddCaseEventRequest -> CaseRecordDto (a timeline entry, or its correction)
 * - `POST /api/cases/{id}/nihss` StartNihssRequest -> NihssAssessmentDto (a new assessment of the series)
 * - `PUT  /api/cases/{id}/nihss/{assessmentId}/items/{item}` SetNihssItemRequest -> NihssAssessmentDto
 * - `POST /api/cases/{id}/decision` CaseDecisionRequest -> CaseRecordDto
 * - `POST /api/cases/{id}/transfer` TransferRequest -> CaseRecordDto (carries a snapshot of the record)
 * - `GET  /api/cases/{id}/transfer` -> TransferPacketDto (the record as sent; 404 while there is no transfer)
 * - `POST /api/cases/{id}/transfer/ack` -> CaseRecordDto (a neurologist of the receiving CHU)
 * - `GET  /api/cases/{id}/messages` -> CaseMessageDto[]; `POST` PostCaseMessageRequest -> CaseMessageDto
 * - `GET  /api/cases/{id}/summary.pdf?lang=fr|en` -> application/pdf (French by default)
 * Pushed over /ws: `case.updated`, `case.nihss`, `case.message` (see realtime.ts).
 */

/** Bilingual label: French first (the UI's default language), English too. */
export const LabelSchema = z.object({ fr: z.string(), en: z.string() });
export type Label = z.infer<typeof LabelSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------------------------

export const CASE_EVENT_KINDS = [
  'lkw',
  'door',
  'ct_start',
  'images_received',
  'consult_requested',
  'consult_accepted',
  'consult_started',
  'read_signed',
  'decision',
  'needle',
  'transfer_departed',
  'groin_puncture',
] as const;
export const CaseEventKindSchema = z.enum(CASE_EVENT_KINDS);
export type CaseEventKind = z.infer<typeof CaseEventKindSchema>;

/**
 * Kinds a user enters by hand through `POST /api/cases/{id}/events`. The others come from linked records (consult
 * timestamps, the signed read) or from their own action (decision; needle from the confirmed bolus, though it may be
 * entered by hand when the bolus was given outside the assistant). 'images_received' is derived from the first image
 * of a linked study and may be entered when the images came by another path.
 */
export const ENTERABLE_CASE_EVENT_KINDS = [
  'lkw',
  'door',
  'ct_start',
  'images_received',
  'needle',
  'transfer_departed',
  'groin_puncture',
] as const satisfies readonly CaseEventKind[];
export const EnterableCaseEventKindSchema = z.enum(ENTERABLE_CASE_EVENT_KINDS);

export const CASE_EVENT_LABELS: Record<CaseEventKind, Label> = {
  lkw: { fr: 'Dernière fois vu normal / début des symptômes', en: 'Last known well / onset' },
  door: { fr: 'Arrivée aux urgences', en: 'Door' },
  ct_start: { fr: 'Début du scanner', en: 'CT start' },
  images_received: { fr: 'Images reçues', en: 'Images received' },
  consult_requested: { fr: 'Téléconsultation demandée', en: 'Consult requested' },
  consult_accepted: { fr: 'Téléconsultation acceptée', en: 'Consult accepted' },
  consult_started: { fr: 'Téléconsultation commencée', en: 'Consult started' },
  read_signed: { fr: 'Compte rendu d’imagerie signé', en: 'Read signed' },
  decision: { fr: 'Décision', en: 'Decision' },
  needle: { fr: 'Bolus de thrombolyse', en: 'Needle (bolus)' },
  transfer_departed: { fr: 'Départ du transfert', en: 'Transfer departed' },
  groin_puncture: { fr: 'Ponction fémorale (CHU)', en: 'Groin puncture (CHU)' },
};

export const CASE_EVENT_NOTE_MAX = 500;

/** `POST /api/cases/{id}/events`: a timestamp; a later entry of the same kind corrects the earlier one. */
export const AddCaseEventRequestSchema = z
  .object({
    kind: EnterableCaseEventKindSchema,
    /** ISO 8601 with an offset; not in the future (a few seconds of clock skew allowed). */
    at: z.iso.datetime({ offset: true }),
    /** Only 'lkw' may be estimated (unwitnessed onset). */
    estimated: z.boolean().default(false),
    note: z.string().trim().max(CASE_EVENT_NOTE_MAX).optional(),
  })
  .strict();
export type AddCaseEventRequest = z.input<typeof AddCaseEventRequestSchema>;

const PersonRefSchema = z.object({ id: z.uuid(), name: z.string() });
export type CasePersonRef = z.infer<typeof PersonRefSchema>;

/** Where a timeline entry comes from: entered on the case, or derived from a linked record. */
export const TIMELINE_SOURCES = ['entered', 'consult', 'imaging', 'report'] as const;
export const TimelineSourceSchema = z.enum(TIMELINE_SOURCES);

/** The effective timestamp of one kind (the latest entry corrects earlier ones; an entry beats a derived value). */
export const TimelineEntryDtoSchema = z.object({
  kind: CaseEventKindSchema,
  at: z.string(),
  estimated: z.boolean(),
  source: TimelineSourceSchema,
  /** Who entered it (for derived kinds: who did the linked act, e.g. the accepting neurologist); null if nobody. */
  enteredBy: PersonRefSchema.nullable(),
  enteredAt: z.string().nullable(),
  note: z.string().nullable(),
  /** How many earlier entries of this kind it corrects. */
  corrects: z.number().int().min(0),
});
export type TimelineEntryDto = z.infer<typeof TimelineEntryDtoSchema>;

// ---------------------------------------------------------------------------------------------------------------
// NIHSS
// ---------------------------------------------------------------------------------------------------------------

export const NIHSS_ITEM_IDS = ['1a', '1b', '1c', '2', '3', '4', '5a', '5b', '6a', '6b', '7', '8', '9', '10', '11'] as const;
export const NihssItemIdSchema = z.enum(NIHSS_ITEM_IDS);
export type NihssItemId = z.infer<typeof NihssItemIdSchema>;

export interface NihssChoice {
  score: number;
  label: Label;
}
export interface NihssItem {
  id: NihssItemId;
  label: Label;
  choices: readonly NihssChoice[];
  /** The reason the NIH scale allows "untestable" (UN) for this item, or null when it must be scored. */
  untestable: Label | null;
}

const c = (score: number, fr: string, en: string): NihssChoice => ({ score, label: { fr, en } });

const MOTOR_ARM: readonly NihssChoice[] = [
  c(0, 'Pas de chute : maintien 10 secondes', 'No drift: holds 90 (or 45) degrees for full 10 seconds'),
  c(1, 'Chute : le membre descend avant 10 secondes sans toucher le lit', 'Drift: drifts down before 10 seconds, does not hit bed'),
  c(2, 'Effort contre la pesanteur : le membre tombe sur le lit', 'Some effort against gravity: falls to bed'),
  c(3, 'Aucun effort contre la pesanteur : le membre tombe', 'No effort against gravity: limb falls'),
  c(4, 'Aucun mouvement', 'No movement'),
];
const MOTOR_LEG: readonly NihssChoice[] = [
  c(0, 'Pas de chute : maintien 5 secondes', 'No drift: holds 30 degrees for full 5 seconds'),
  c(1, 'Chute : la jambe descend avant 5 secondes sans toucher le lit', 'Drift: falls by end of 5 seconds, does not hit bed'),
  c(2, 'Effort contre la pesanteur : la jambe tombe sur le lit', 'Some effort against gravity: falls to bed'),
  c(3, 'Aucun effort contre la pesanteur : la jambe tombe', 'No effort against gravity: leg falls'),
  c(4, 'Aucun mouvement', 'No movement'),
];
const AMPUTATION: Label = { fr: 'Amputation ou arthrodèse', en: 'Amputation or joint fusion' };

/** The 15 items of the NIH Stroke Scale with their official choices; untestable items score 0 in the total. */
export const NIHSS_ITEMS: readonly NihssItem[] = [
  {
    id: '1a',
    label: { fr: 'Niveau de conscience', en: 'Level of consciousness' },
    choices: [
      c(0, 'Vigilant, répond promptement', 'Alert, keenly responsive'),
      c(1, 'Non vigilant, éveillable par une stimulation mineure', 'Not alert, arousable by minor stimulation'),
      c(2, 'Non vigilant, requiert des stimulations répétées ou douloureuses', 'Not alert, requires repeated or painful stimulation'),
      c(3, 'Coma : réponses réflexes seules ou aréactif', 'Responds only with reflex motor effects, or totally unresponsive'),
    ],
    untestable: null,
  },
  {
    id: '1b',
    label: { fr: 'Questions (mois, âge)', en: 'LOC questions (month, age)' },
    choices: [
      c(0, 'Répond correctement aux deux questions', 'Answers both questions correctly'),
      c(1, 'Répond correctement à une question', 'Answers one question correctly'),
      c(2, 'Aucune réponse correcte', 'Answers neither question correctly'),
    ],
    untestable: null,
  },
  {
    id: '1c',
    label: { fr: 'Ordres (ouvrir et fermer les yeux, serrer la main)', en: 'LOC commands (open/close eyes, grip)' },
    choices: [
      c(0, 'Exécute les deux ordres correctement', 'Performs both tasks correctly'),
      c(1, 'Exécute un ordre correctement', 'Performs one task correctly'),
      c(2, 'N’exécute aucun ordre', 'Performs neither task correctly'),
    ],
    untestable: null,
  },
  {
    id: '2',
    label: { fr: 'Oculomotricité (regard horizontal)', en: 'Best gaze' },
    choices: [
      c(0, 'Normale', 'Normal'),
      c(1, 'Paralysie partielle du regard', 'Partial gaze palsy'),
      c(2, 'Déviation forcée ou paralysie totale du regard', 'Forced deviation or total gaze paresis'),
    ],
    untestable: null,
  },
  {
    id: '3',
    label: { fr: 'Champ visuel', en: 'Visual fields' },
    choices: [
      c(0, 'Aucun trouble du champ visuel', 'No visual loss'),
      c(1, 'Hémianopsie partielle', 'Partial hemianopia'),
      c(2, 'Hémianopsie complète', 'Complete hemianopia'),
      c(3, 'Hémianopsie bilatérale (cécité, y compris corticale)', 'Bilateral hemianopia (blind, including cortical blindness)'),
    ],
    untestable: null,
  },
  {
    id: '4',
    label: { fr: 'Paralysie faciale', en: 'Facial palsy' },
    choices: [
      c(0, 'Mouvements normaux et symétriques', 'Normal symmetrical movements'),
      c(1, 'Paralysie mineure (effacement du sillon nasogénien, asymétrie du sourire)', 'Minor paralysis (flattened nasolabial fold, asymmetry on smiling)'),
      c(2, 'Paralysie partielle (paralysie totale ou quasi totale de l’hémiface inférieure)', 'Partial paralysis (total or near-total paralysis of lower face)'),
      c(3, 'Paralysie complète (hémiface supérieure et inférieure)', 'Complete paralysis of one or both sides (upper and lower face)'),
    ],
    untestable: null,
  },
  { id: '5a', label: { fr: 'Motricité du membre supérieur gauche', en: 'Motor arm, left' }, choices: MOTOR_ARM, untestable: AMPUTATION },
  { id: '5b', label: { fr: 'Motricité du membre supérieur droit', en: 'Motor arm, right' }, choices: MOTOR_ARM, untestable: AMPUTATION },
  { id: '6a', label: { fr: 'Motricité du membre inférieur gauche', en: 'Motor leg, left' }, choices: MOTOR_LEG, untestable: AMPUTATION },
  { id: '6b', label: { fr: 'Motricité du membre inférieur droit', en: 'Motor leg, right' }, choices: MOTOR_LEG, untestable: AMPUTATION },
  {
    id: '7',
    label: { fr: 'Ataxie des membres', en: 'Limb ataxia' },
    choices: [
      c(0, 'Absente', 'Absent'),
      c(1, 'Présente sur un membre', 'Present in one limb'),
      c(2, 'Présente sur deux membres', 'Present in two limbs'),
    ],
    untestable: AMPUTATION,
  },
  {
    id: '8',
    label: { fr: 'Sensibilité', en: 'Sensory' },
    choices: [
      c(0, 'Normale, pas de déficit sensitif', 'Normal, no sensory loss'),
      c(1, 'Hypoesthésie légère à modérée', 'Mild-to-moderate sensory loss'),
      c(2, 'Hypoesthésie sévère à totale', 'Severe to total sensory loss'),
    ],
    untestable: null,
  },
  {
    id: '9',
    label: { fr: 'Langage', en: 'Best language' },
    choices: [
      c(0, 'Pas d’aphasie, normal', 'No aphasia, normal'),
      c(1, 'Aphasie légère à modérée', 'Mild-to-moderate aphasia'),
      c(2, 'Aphasie sévère', 'Severe aphasia'),
      c(3, 'Mutisme, aphasie globale', 'Mute, global aphasia'),
    ],
    untestable: null,
  },
  {
    id: '10',
    label: { fr: 'Dysarthrie', en: 'Dysarthria' },
    choices: [
      c(0, 'Normale', 'Normal'),
      c(1, 'Dysarthrie légère à modérée', 'Mild-to-moderate dysarthria'),
      c(2, 'Dysarthrie sévère, inintelligible ou anarthrie', 'Severe dysarthria, unintelligible or mute'),
    ],
    untestable: { fr: 'Patient intubé ou autre obstacle physique', en: 'Intubated or other physical barrier' },
  },
  {
    id: '11',
    label: { fr: 'Extinction et négligence', en: 'Extinction and inattention' },
    choices: [
      c(0, 'Aucune anomalie', 'No abnormality'),
      c(1, 'Extinction ou négligence dans une modalité sensorielle', 'Inattention or extinction in one sensory modality'),
      c(2, 'Négligence profonde ou extinction dans plus d’une modalité', 'Profound hemi-inattention or extinction in more than one modality'),
    ],
    untestable: null,
  },
];

export const NIHSS_MAX = 42;

export function nihssItem(id: NihssItemId): NihssItem {
  const item = NIHSS_ITEMS.find((i) => i.id === id);
  if (!item) throw new Error(`unknown NIHSS item ${id}`);
  return item;
}

/** An item's answer: the score of one of its choices, or 'untestable' where the scale allows it. */
export const NihssValueSchema = z.union([z.number().int().min(0).max(4), z.literal('untestable')]);
export type NihssValue = z.infer<typeof NihssValueSchema>;

/** Whether the value is one of the item's official answers. */
export function isValidNihssValue(id: NihssItemId, value: NihssValue): boolean {
  const item = nihssItem(id);
  if (value === 'untestable') return item.untestable !== null;
  return item.choices.some((ch) => ch.score === value);
}

export type NihssScores = Partial<Record<NihssItemId, NihssValue>>;

/** The NIHSS total (0–42): the sum of the scored items; untestable and not yet scored items count 0. */
export function nihssTotal(items: NihssScores): number {
  let total = 0;
  for (const id of NIHSS_ITEM_IDS) {
    const v = items[id];
    if (typeof v === 'number' && isValidNihssValue(id, v)) total += v;
  }
  return total;
}

/** Every one of the 15 items has an answer. */
export function nihssComplete(items: NihssScores): boolean {
  return NIHSS_ITEM_IDS.every((id) => items[id] !== undefined);
}

export const NIHSS_LABEL_MAX = 80;

/** `POST /api/cases/{id}/nihss`: start a new assessment of the series, e.g. label "avant bolus". */
export const StartNihssRequestSchema = z.object({ label: z.string().trim().min(1).max(NIHSS_LABEL_MAX) }).strict();
/** `PUT /api/cases/{id}/nihss/{assessmentId}/items/{item}`: answer (or clear, with null) one item. */
export const SetNihssItemRequestSchema = z.object({ value: NihssValueSchema.nullable() }).strict();

export const NihssItemStateDtoSchema = z.object({
  value: NihssValueSchema,
  changedBy: PersonRefSchema,
  changedAt: z.string(),
});
export type NihssItemStateDto = z.infer<typeof NihssItemStateDtoSchema>;

/** One time-stamped change of an item (null: cleared). */
export const NihssChangeDtoSchema = z.object({
  item: NihssItemIdSchema,
  value: NihssValueSchema.nullable(),
  changedBy: PersonRefSchema,
  changedAt: z.string(),
});
export type NihssChangeDto = z.infer<typeof NihssChangeDtoSchema>;

export const NihssAssessmentDtoSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  /** 1, 2, ... in the order assessments were started. */
  seq: z.number().int().min(1),
  label: z.string(),
  startedBy: PersonRefSchema,
  startedAt: z.string(),
  /** The current answer of each answered item. */
  items: z.partialRecord(NihssItemIdSchema, NihssItemStateDtoSchema),
  total: z.number().int().min(0).max(NIHSS_MAX),
  complete: z.boolean(),
  /** Every change, oldest first. */
  changes: z.array(NihssChangeDtoSchema),
});
export type NihssAssessmentDto = z.infer<typeof NihssAssessmentDtoSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Decision, transfer, messages
// ---------------------------------------------------------------------------------------------------------------

export const CASE_DECISIONS = ['thrombolysis', 'thrombectomy_transfer', 'thrombolysis_and_transfer', 'neither'] as const;
export const CaseDecisionSchema = z.enum(CASE_DECISIONS);
export type CaseDecision = z.infer<typeof CaseDecisionSchema>;
export const CASE_DECISION_LABELS: Record<CaseDecision, Label> = {
  thrombolysis: { fr: 'Thrombolyse', en: 'Thrombolysis' },
  thrombectomy_transfer: { fr: 'Transfert pour thrombectomie au CHU', en: 'Thrombectomy transfer to the CHU' },
  thrombolysis_and_transfer: { fr: 'Thrombolyse et transfert pour thrombectomie', en: 'Thrombolysis and thrombectomy transfer' },
  neither: { fr: 'Ni thrombolyse ni thrombectomie', en: 'Neither' },
};

/** `POST /api/cases/{id}/decision` (a participant); a later decision replaces the earlier one, both are kept. */
export const CaseDecisionRequestSchema = z
  .object({ decision: CaseDecisionSchema, note: z.string().trim().max(2000).optional() })
  .strict();
export type CaseDecisionRequest = z.input<typeof CaseDecisionRequestSchema>;

export const CaseDecisionDtoSchema = z.object({
  decision: CaseDecisionSchema,
  note: z.string().nullable(),
  decidedBy: PersonRefSchema,
  decidedAt: z.string(),
});
export type CaseDecisionDto = z.infer<typeof CaseDecisionDtoSchema>;

/** `POST /api/cases/{id}/transfer` (a participant): request a thrombectomy transfer to the hub's CHU. */
export const TransferRequestSchema = z.object({ note: z.string().trim().max(2000).optional() }).strict();
export type TransferRequest = z.input<typeof TransferRequestSchema>;

export const TransferDtoSchema = z.object({
  id: z.uuid(),
  /** The receiving CHU (the case's hub). */
  toSiteCode: z.string(),
  note: z.string().nullable(),
  requestedBy: PersonRefSchema,
  requestedAt: z.string(),
  acknowledgedBy: PersonRefSchema.nullable(),
  acknowledgedAt: z.string().nullable(),
});
export type TransferDto = z.infer<typeof TransferDtoSchema>;

export const CASE_MESSAGE_MAX = 2000;
export const PostCaseMessageRequestSchema = z.object({ text: z.string().trim().min(1).max(CASE_MESSAGE_MAX) }).strict();

export const CaseMessageDtoSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  author: PersonRefSchema.extend({ role: RoleSchema, siteCode: z.string().nullable() }),
  text: z.string(),
  sentAt: z.string(),
});
export type CaseMessageDto = z.infer<typeof CaseMessageDtoSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The record
// ---------------------------------------------------------------------------------------------------------------

/** A study linked to the case (sent for this consult), with its signed read if any. */
export const CaseStudyDtoSchema = z.object({
  studyId: z.uuid(),
  studyInstanceUid: z.string(),
  modalities: z.array(z.string()),
  description: z.string().nullable(),
  firstReceivedAt: z.string(),
  /** The read request of the worklist, when there is one. */
  readRequestId: z.uuid().nullable(),
  report: SignedReportDtoSchema.nullable(),
});
export type CaseStudyDto = z.infer<typeof CaseStudyDtoSchema>;

/**
 * Whether the INS's last two digits are the key of its first 13 characters: 97 minus the number modulo 97, with the
 * Corsican departments 2A and 2B counted as 19 and 18. A mistyped digit is caught before it reaches a record.
 */
export function insKeyValid(ins: string): boolean {
  if (!/^[12378][0-9]{5}[0-9AB][0-9]{8}$/.test(ins)) return false;
  const department = ins.slice(5, 7);
  const digits = ins.slice(0, 5) + (department === '2A' ? '19' : department === '2B' ? '18' : department) + ins.slice(7, 13);
  if (!/^[0-9]{13}$/.test(digits)) return false;
  return 97n - (BigInt(digits) % 97n) === BigInt(ins.slice(13));
}

/** INS (identifiant national de santé): the 15 characters of the NIR with its key; 2A/2B for Corsica. */
export const InsSchema = z
  .string()
  .regex(/^[12378][0-9]{5}[0-9AB][0-9]{8}$/, 'INS: 15 characters')
  .refine(insKeyValid, 'INS: the key (last two digits) does not match the number');

/** `PUT /api/cases/{id}/ins`: the INS once known, or null to remove a wrong one. */
export const SetCaseInsRequestSchema = z.object({ ins: InsSchema.nullable() }).strict();
export type SetCaseInsRequest = z.infer<typeof SetCaseInsRequestSchema>;

export const CaseRecordDtoSchema = z.object({
  id: z.uuid(),
  consultId: z.uuid(),
  siteCode: z.string(),
  siteName: z.string(),
  hubCode: z.string(),
  /** The remote site's local patient reference (never a name); shown on screen, never logged. */
  patientRef: z.string(),
  ins: z.string().nullable(),
  createdAt: z.string(),
  consult: ConsultDtoSchema,
  /** The effective timestamp of each kind that has one, in CASE_EVENT_KINDS order. */
  timeline: z.array(TimelineEntryDtoSchema),
  /** The NIHSS series, oldest first. */
  nihss: z.array(NihssAssessmentDtoSchema),
  studies: z.array(CaseStudyDtoSchema),
  decision: CaseDecisionDtoSchema.nullable(),
  transfer: TransferDtoSchema.nullable(),
  /** The thrombolysis orders (doses, who prepared and who confirmed them, the bolus), oldest first. */
  thrombolysisOrders: z.array(ThrombolysisOrderDtoSchema),
  /** What the caller may do on this record. */
  can: z.object({ score: z.boolean(), decide: z.boolean(), message: z.boolean(), acknowledgeTransfer: z.boolean() }),
});
export type CaseRecordDto = z.infer<typeof CaseRecordDtoSchema>;

/** `GET /api/cases?consultId=`. */
export const CaseQuerySchema = z.object({ consultId: z.uuid() }).strict();

/** Why a `case.updated` event was pushed; clients refetch the record (an audited read). */
export const CASE_UPDATE_REASONS = ['timeline', 'decision', 'transfer', 'transfer_ack', 'thrombolysis', 'nihss', 'identity'] as const;
export const CaseUpdateReasonSchema = z.enum(CASE_UPDATE_REASONS);
export type CaseUpdateReason = z.infer<typeof CaseUpdateReasonSchema>;

/**
 * `GET /api/cases/{id}/transfer` (audited): the transfer and the case record exactly as it was sent to the CHU
 * (timeline, NIHSS series, studies with their signed reads, decision, thrombolysis orders).
 */
export const TransferPacketDtoSchema = z.object({
  transfer: TransferDtoSchema,
  record: CaseRecordDtoSchema.omit({ transfer: true, can: true }),
});
export type TransferPacketDto = z.infer<typeof TransferPacketDtoSchema>;
