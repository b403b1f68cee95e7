import { z } from 'zod';

/**
 * The thrombolysis assistant: the stroke dose of alteplase and tenecteplase, the 4.5 h window warnings and the
 * checks before the bolus. Pure functions, used by the server (which decides) and the case screen (which shows the
 * same numbers before asking). Sources of every number: docs/clinical.md.
 *
 * API (session cookie; errors answer `{"error":{"code"}}`, unsafe requests 422):
 * - `POST /api/thrombolysis/dose` DoseRequest -> DoseResult
 * - `POST /api/cases/{caseId}/thrombolysis` PrepareOrderRequest -> ThrombolysisOrderDto (prepared)
 * - `POST /api/cases/{caseId}/thrombolysis/{orderId}/confirm` -> ThrombolysisOrderDto (a second person)
 * - `POST /api/cases/{caseId}/thrombolysis/{orderId}/bolus` {at?} -> ThrombolysisOrderDto (writes the 'needle' event;
 *   send `{}` for now: the body is JSON)
 */
export const THROMBOLYTICS = ['alteplase', 'tenecteplase'] as const;
export const ThrombolyticSchema = z.enum(THROMBOLYTICS);
export type Thrombolytic = z.infer<typeof ThrombolyticSchema>;

/**
 * Only 'stroke' is dosed. 'stemi' is accepted by the schema so that the cardiology regimen is refused with
 * STEMI_DOSE_REFUSED (a 422 the screen can explain) rather than a generic validation error.
 */
export const INDICATIONS = ['stroke', 'stemi'] as const;
export const IndicationSchema = z.enum(INDICATIONS);
export type Indication = z.infer<typeof IndicationSchema>;

export interface DrugRegimen {
  drug: Thrombolytic;
  mgPerKg: number;
  maxMg: number;
  /** Share of the total given as the bolus (1 = single bolus). */
  bolusFraction: number;
  /** Duration of the bolus; null = single IV bolus push. */
  bolusMinutes: number | null;
  /** Duration of the infusion after the bolus; 0 = none. */
  infusionMinutes: number;
  /** Standard reconstitution: alteplase 50 mg in 50 mL, tenecteplase 25 mg in 5 mL (or 50 mg in 10 mL). */
  concentrationMgPerMl: number;
}

/** The stroke regimens of issue #7 (ESO 2021 / 2023, AHA/ASA 2019, SmPC Actilyse and Metalyse). */
export const STROKE_REGIMENS: Readonly<Record<Thrombolytic, DrugRegimen>> = Object.freeze({
  alteplase: {
    drug: 'alteplase',
    mgPerKg: 0.9,
    maxMg: 90,
    bolusFraction: 0.1,
    bolusMinutes: 1,
    infusionMinutes: 60,
    concentrationMgPerMl: 1,
  },
  tenecteplase: {
    drug: 'tenecteplase',
    mgPerKg: 0.25,
    maxMg: 25,
    bolusFraction: 1,
    bolusMinutes: null,
    infusionMinutes: 0,
    concentrationMgPerMl: 5,
  },
});

/** The tenecteplase dose of myocardial infarction; never a stroke dose. */
export const TENECTEPLASE_STEMI_MG_PER_KG = 0.5;

/**
 * Weight bounds (kg). Below 30 or above 250 kg is taken for a typing or unit mistake (adult stroke patients;
 * 7.5 for 75, 750 for 75). Above 120 kg the weight must be confirmed as kilograms: a weight in pounds typed as
 * kilograms (a 60 kg patient typed as 132) reaches the cap and overdoses, and 120 kg is the lowest weight where a
 * confirmation cannot change a correct dose (both drugs are capped from 100 kg).
 */
export const WEIGHT_MIN_KG = 30;
export const WEIGHT_MAX_KG = 250;
export const WEIGHT_CONFIRM_ABOVE_KG = 120;
export const KG_PER_LB = 0.45359237;

/** Doses round to 0.1 mg, volumes to 0.1 mL, both to the nearest, halves up; volumes come from the rounded dose. */
export const DOSE_STEP_MG = 0.1;
export const VOLUME_STEP_ML = 0.1;
export const ROUNDING_RULE = {
  doseStepMg: DOSE_STEP_MG,
  volumeStepMl: VOLUME_STEP_ML,
  rule: 'nearest, halves up; bolus = 10 % of the rounded total, infusion = total − bolus; volume from the rounded dose',
} as const;

/** `POST /api/thrombolysis/dose`. weightKg is optional in the schema so that a missing weight answers 422 WEIGHT_MISSING. */
export const DoseRequestSchema = z
  .object({
    drug: ThrombolyticSchema,
    weightKg: z.number().finite().nullable().optional(),
    indication: IndicationSchema,
    /** The dose per kg the prescriber means to give, when entered: anything but the stroke dose is refused. */
    mgPerKg: z.number().finite().positive().optional(),
    /** The prescriber confirms a weight above WEIGHT_CONFIRM_ABOVE_KG is in kilograms. Default false. */
    weightConfirmed: z.boolean().optional(),
  })
  .strict();
export type DoseRequest = z.infer<typeof DoseRequestSchema>;

export const RoundingRuleSchema = z.object({ doseStepMg: z.number(), volumeStepMl: z.number(), rule: z.string() });

export const DoseResultSchema = z.object({
  drug: ThrombolyticSchema,
  indication: z.literal('stroke'),
  weightKg: z.number(),
  mgPerKg: z.number(),
  maxMg: z.number(),
  /** True when the weight-based dose was above the maximum and the maximum is given. */
  capped: z.boolean(),
  totalMg: z.number(),
  bolusMg: z.number(),
  /** null: single IV bolus push. */
  bolusMinutes: z.number().nullable(),
  infusionMg: z.number(),
  infusionMinutes: z.number(),
  concentrationMgPerMl: z.number(),
  /** The whole reconstituted volume to draw (bolus + infusion). */
  volumeMl: z.number(),
  bolusVolumeMl: z.number(),
  infusionVolumeMl: z.number(),
  rounding: RoundingRuleSchema,
});
export type DoseResult = z.infer<typeof DoseResultSchema>;

export const DOSE_REFUSAL_CODES = [
  'WEIGHT_MISSING',
  'WEIGHT_IMPLAUSIBLE',
  'WEIGHT_CONFIRMATION_REQUIRED',
  'STEMI_DOSE_REFUSED',
  'DOSE_NOT_STROKE',
] as const;
export type DoseRefusalCode = (typeof DOSE_REFUSAL_CODES)[number];

export interface DoseRefusal {
  code: DoseRefusalCode;
  message: string;
  details?: Record<string, unknown>;
}

export type DoseOutcome = { ok: true; dose: DoseResult } | { ok: false; refusal: DoseRefusal };

/** Nearest multiple of `step`, halves up, immune to binary fractions (0.15 / 0.1 must not become 1.4999…). */
export function roundToStep(value: number, step: number): number {
  const inverse = Math.round(1 / step);
  return Math.round(Number((value * inverse).toPrecision(12))) / inverse;
}

function refuse(code: DoseRefusalCode, message: string, details?: Record<string, unknown>): DoseOutcome {
  return { ok: false, refusal: { code, message, ...(details ? { details } : {}) } };
}

/**
 * The stroke dose for a request, or why it is refused. Checks in order: indication and dose per kg (the STEMI
 * guard), weight present, weight within bounds, weight above 120 kg confirmed as kilograms.
 */
export function computeDose(req: DoseRequest): DoseOutcome {
  const regimen = STROKE_REGIMENS[req.drug];
  if (req.indication !== 'stroke') {
    return refuse('STEMI_DOSE_REFUSED', 'The myocardial infarction regimen is not a stroke dose', {
      indication: req.indication,
    });
  }
  if (req.mgPerKg !== undefined && Math.abs(req.mgPerKg - regimen.mgPerKg) > 1e-9) {
    if (req.drug === 'tenecteplase' && req.mgPerKg >= TENECTEPLASE_STEMI_MG_PER_KG - 1e-9) {
      return refuse('STEMI_DOSE_REFUSED', 'Tenecteplase 0.5 mg/kg is the cardiology dose; the stroke dose is 0.25 mg/kg', {
        mgPerKg: req.mgPerKg,
        strokeMgPerKg: regimen.mgPerKg,
      });
    }
    return refuse('DOSE_NOT_STROKE', `The stroke dose of ${req.drug} is ${regimen.mgPerKg} mg/kg`, {
      mgPerKg: req.mgPerKg,
      strokeMgPerKg: regimen.mgPerKg,
    });
  }
  const weightKg = req.weightKg;
  if (weightKg === undefined || weightKg === null || !Number.isFinite(weightKg)) {
    return refuse('WEIGHT_MISSING', 'Enter the weight (measured or estimated) in kg');
  }
  if (weightKg < WEIGHT_MIN_KG || weightKg > WEIGHT_MAX_KG) {
    return refuse('WEIGHT_IMPLAUSIBLE', `A weight must be between ${WEIGHT_MIN_KG} and ${WEIGHT_MAX_KG} kg`, {
      weightKg,
      minKg: WEIGHT_MIN_KG,
      maxKg: WEIGHT_MAX_KG,
    });
  }
  if (weightKg > WEIGHT_CONFIRM_ABOVE_KG && req.weightConfirmed !== true) {
    return refuse('WEIGHT_CONFIRMATION_REQUIRED', `Confirm that ${weightKg} is in kg, not lb`, {
      weightKg,
      ifPoundsKg: roundToStep(weightKg * KG_PER_LB, 0.1),
      confirmAboveKg: WEIGHT_CONFIRM_ABOVE_KG,
    });
  }
  const rawMg = weightKg * regimen.mgPerKg;
  const capped = rawMg > regimen.maxMg;
  const totalMg = roundToStep(Math.min(rawMg, regimen.maxMg), DOSE_STEP_MG);
  const bolusMg = regimen.bolusFraction === 1 ? totalMg : roundToStep(totalMg * regimen.bolusFraction, DOSE_STEP_MG);
  const infusionMg = roundToStep(totalMg - bolusMg, DOSE_STEP_MG);
  const ml = (mg: number) => roundToStep(mg / regimen.concentrationMgPerMl, VOLUME_STEP_ML);
  return {
    ok: true,
    dose: {
      drug: req.drug,
      indication: 'stroke',
      weightKg,
      mgPerKg: regimen.mgPerKg,
      maxMg: regimen.maxMg,
      capped,
      totalMg,
      bolusMg,
      bolusMinutes: regimen.bolusMinutes,
      infusionMg,
      infusionMinutes: regimen.infusionMinutes,
      concentrationMgPerMl: regimen.concentrationMgPerMl,
      volumeMl: ml(totalMg),
      bolusVolumeMl: ml(bolusMg),
      infusionVolumeMl: ml(infusionMg),
      rounding: ROUNDING_RULE,
    },
  };
}

/** A weight typed in pounds, in kg to 0.1 kg: for a screen that lets the user say which unit they typed. */
export function poundsToKg(lb: number): number {
  return roundToStep(lb * KG_PER_LB, 0.1);
}

// ---------------------------------------------------------------------------------------------------------------
// The 4.5 h window

export const THROMBOLYSIS_WINDOW_MINUTES = 270;
export const WINDOW_LEVELS = ['open', '60', '30', '15', 'closed'] as const;
export type WindowLevel = (typeof WINDOW_LEVELS)[number];

export interface ThrombolysisWindow {
  /** Minutes since last-known-well (whole minutes elapsed, floored). */
  minutesSinceLkw: number;
  /** Minutes left, rounded up while open (1 until the very end); ≤ 0 once closed (minus the whole minutes since). */
  minutesLeft: number;
  /** 'open' above 60 min left; '60' at 60 min or less; '30'; '15'; 'closed' when the 4.5 h are over. */
  level: WindowLevel;
  closesAt: Date;
}

/**
 * The 4.5 h window from last-known-well (or onset). It warns, it does not forbid: beyond 4.5 h, imaging-selected
 * thrombolysis remains a physician's decision (docs/clinical.md).
 */
export function thrombolysisWindow(lkwAt: Date | string | number, now: Date | string | number = Date.now()): ThrombolysisWindow {
  const lkwMs = new Date(lkwAt).getTime();
  const nowMs = new Date(now).getTime();
  const closesMs = lkwMs + THROMBOLYSIS_WINDOW_MINUTES * 60_000;
  const msLeft = closesMs - nowMs;
  const minutesLeft = msLeft > 0 ? Math.ceil(msLeft / 60_000) : -Math.floor(-msLeft / 60_000);
  const left = msLeft / 60_000;
  const level: WindowLevel = msLeft <= 0 ? 'closed' : left <= 15 ? '15' : left <= 30 ? '30' : left <= 60 ? '60' : 'open';
  return {
    minutesSinceLkw: Math.floor((nowMs - lkwMs) / 60_000),
    minutesLeft: minutesLeft === 0 ? 0 : minutesLeft,
    level,
    closesAt: new Date(closesMs),
  };
}

/** Whole minutes from `from` to `to` (e.g. door-to-needle), floored; negative if `to` is earlier. */
export function elapsedMinutes(from: Date | string | number, to: Date | string | number = Date.now()): number {
  return Math.floor((new Date(to).getTime() - new Date(from).getTime()) / 60_000);
}

// ---------------------------------------------------------------------------------------------------------------
// Checks before the bolus

export interface ChecklistItem {
  id: string;
  fr: string;
  en: string;
}

/**
 * Contraindications to ask about before preparing the bolus; every one must be answered 'absent'. A list to go
 * through, not the whole of the guideline: docs/clinical.md names the sources to check for the others.
 */
export const CONTRAINDICATION_CHECKLIST: readonly ChecklistItem[] = Object.freeze([
  { id: 'haemorrhage_on_imaging', fr: 'Hémorragie intracrânienne au scanner / IRM', en: 'Intracranial haemorrhage on CT / MRI' },
  { id: 'anticoagulant', fr: 'Traitement anticoagulant (AVK, AOD, héparine) actif', en: 'Active anticoagulant treatment (VKA, DOAC, heparin)' },
  { id: 'recent_surgery_or_trauma', fr: 'Chirurgie majeure ou traumatisme grave récents', en: 'Recent major surgery or serious trauma' },
  { id: 'recent_stroke_or_head_injury', fr: 'AVC ou traumatisme crânien grave récents', en: 'Recent stroke or serious head injury' },
  { id: 'prior_intracranial_haemorrhage', fr: "Antécédent d'hémorragie intracrânienne", en: 'History of intracranial haemorrhage' },
  { id: 'active_bleeding', fr: 'Saignement actif ou trouble de la coagulation connu', en: 'Active bleeding or known bleeding disorder' },
  { id: 'recent_gi_bleeding', fr: 'Hémorragie digestive récente', en: 'Recent gastrointestinal bleeding' },
  { id: 'noncompressible_puncture', fr: 'Ponction artérielle récente en site non compressible', en: 'Recent arterial puncture at a non-compressible site' },
  { id: 'aortic_dissection', fr: "Suspicion de dissection aortique", en: 'Suspected aortic dissection' },
  { id: 'endocarditis', fr: 'Endocardite infectieuse', en: 'Infective endocarditis' },
] as const satisfies readonly ChecklistItem[]);
export const CHECKLIST_IDS = CONTRAINDICATION_CHECKLIST.map((i) => i.id);

export const CHECKLIST_ANSWERS = ['absent', 'present'] as const;
export const ChecklistAnswersSchema = z.record(z.string(), z.enum(CHECKLIST_ANSWERS));
export type ChecklistAnswers = z.infer<typeof ChecklistAnswersSchema>;

/** Blood pressure must be below 185/110 mmHg before the bolus. */
export const BP_MAX_SYSTOLIC_MMHG = 185;
export const BP_MAX_DIASTOLIC_MMHG = 110;
/** 1 g/L of glucose is 5.551 mmol/L (molar mass 180.16 g/mol). */
export const MMOL_PER_L_PER_G_PER_L = 5.551;

export const BOLUS_CHECK_CODES = ['CHECKLIST_INCOMPLETE', 'CONTRAINDICATION_PRESENT', 'BP_TOO_HIGH', 'GLUCOSE_MISSING'] as const;
export type BolusCheckCode = (typeof BOLUS_CHECK_CODES)[number];
export interface BolusCheckFailure {
  code: BolusCheckCode;
  message: string;
  details?: Record<string, unknown>;
}

export interface BolusChecksInput {
  checklist: ChecklistAnswers;
  systolicMmHg: number;
  diastolicMmHg: number;
  glucoseMmolPerL?: number | null;
  glucoseGPerL?: number | null;
}

/** Every failed check before the bolus, in the order the screen shows them; [] = clear to prepare. */
export function bolusChecks(input: BolusChecksInput): BolusCheckFailure[] {
  const failures: BolusCheckFailure[] = [];
  const unanswered = CHECKLIST_IDS.filter((id) => input.checklist[id] === undefined);
  if (unanswered.length > 0) {
    failures.push({ code: 'CHECKLIST_INCOMPLETE', message: 'Answer every checklist item', details: { unanswered } });
  }
  const present = CHECKLIST_IDS.filter((id) => input.checklist[id] === 'present');
  if (present.length > 0) {
    failures.push({ code: 'CONTRAINDICATION_PRESENT', message: 'A contraindication is present', details: { present } });
  }
  if (input.systolicMmHg >= BP_MAX_SYSTOLIC_MMHG || input.diastolicMmHg >= BP_MAX_DIASTOLIC_MMHG) {
    failures.push({
      code: 'BP_TOO_HIGH',
      message: `Blood pressure must be below ${BP_MAX_SYSTOLIC_MMHG}/${BP_MAX_DIASTOLIC_MMHG} mmHg`,
      details: { systolicMmHg: input.systolicMmHg, diastolicMmHg: input.diastolicMmHg },
    });
  }
  if (glucoseMmolPerL(input) === null) {
    failures.push({ code: 'GLUCOSE_MISSING', message: 'Enter the blood glucose' });
  }
  return failures;
}

/** The glucose in mmol/L from whichever unit was entered (mmol/L wins if both), to 0.1; null when none. */
export function glucoseMmolPerL(input: { glucoseMmolPerL?: number | null; glucoseGPerL?: number | null }): number | null {
  if (typeof input.glucoseMmolPerL === 'number') return roundToStep(input.glucoseMmolPerL, 0.1);
  if (typeof input.glucoseGPerL === 'number') return roundToStep(input.glucoseGPerL * MMOL_PER_L_PER_G_PER_L, 0.1);
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

export const WEIGHT_SOURCES = ['measured', 'estimated'] as const;
export const WeightSourceSchema = z.enum(WEIGHT_SOURCES);
export type WeightSource = z.infer<typeof WeightSourceSchema>;

/** `POST /api/cases/{caseId}/thrombolysis`: prepare an order. The server recomputes the dose; the client sends no mg. */
export const PrepareOrderRequestSchema = z
  .object({
    drug: ThrombolyticSchema,
    weightKg: z.number().finite().nullable().optional(),
    weightSource: WeightSourceSchema,
    weightConfirmed: z.boolean().optional(),
    checklist: ChecklistAnswersSchema,
    systolicMmHg: z.number().int().min(40).max(300),
    diastolicMmHg: z.number().int().min(20).max(200),
    glucoseMmolPerL: z.number().finite().min(0.5).max(60).nullable().optional(),
    glucoseGPerL: z.number().finite().min(0.1).max(11).nullable().optional(),
  })
  .strict();
export type PrepareOrderRequest = z.infer<typeof PrepareOrderRequestSchema>;

/** `POST .../bolus`: when the bolus was given (default now; not in the future). */
export const BolusRequestSchema = z.object({ at: z.string().datetime({ offset: true }).optional() }).strict();
export type BolusRequest = z.infer<typeof BolusRequestSchema>;

export const ORDER_STATUSES = ['prepared', 'confirmed', 'given'] as const;
export const OrderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

export const OrderPersonDtoSchema = z.object({ id: z.string(), displayName: z.string() });
export type OrderPersonDto = z.infer<typeof OrderPersonDtoSchema>;

/** A thrombolysis order as the case record and the order routes return it. Times are ISO 8601. */
export const ThrombolysisOrderDtoSchema = z.object({
  id: z.string(),
  caseId: z.string(),
  /** prepared -> confirmed (second person) -> given (bolus recorded). */
  status: OrderStatusSchema,
  drug: ThrombolyticSchema,
  weightKg: z.number(),
  weightSource: WeightSourceSchema,
  /** The dose as computed and shown when the order was prepared. */
  dose: DoseResultSchema,
  checklist: ChecklistAnswersSchema,
  systolicMmHg: z.number(),
  diastolicMmHg: z.number(),
  glucoseMmolPerL: z.number(),
  preparedBy: OrderPersonDtoSchema,
  preparedAt: z.string(),
  confirmedBy: OrderPersonDtoSchema.nullable(),
  confirmedAt: z.string().nullable(),
  bolusAt: z.string().nullable(),
  bolusBy: OrderPersonDtoSchema.nullable(),
});
export type ThrombolysisOrderDto = z.infer<typeof ThrombolysisOrderDtoSchema>;
