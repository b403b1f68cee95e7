import { describe, expect, it } from 'vitest';
import {
  bolusChecks,
  CHECKLIST_IDS,
  computeDose,
  DoseRequestSchema,
  glucoseMmolPerL,
  poundsToKg,
  roundToStep,
  thrombolysisWindow,
  type ChecklistAnswers,
  type DoseRequest,
} from './thrombolysis';

type Row = [label: string, req: DoseRequest, expected: Record<string, unknown>];

const alteplase = (weightKg: number | null | undefined, extra: Partial<DoseRequest> = {}): DoseRequest => ({
  drug: 'alteplase',
  weightKg,
  indication: 'stroke',
  ...extra,
});
const tenecteplase = (weightKg: number | null | undefined, extra: Partial<DoseRequest> = {}): DoseRequest => ({
  drug: 'tenecteplase',
  weightKg,
  indication: 'stroke',
  ...extra,
});

const DOSES: Row[] = [
  ['alteplase 70 kg', alteplase(70), { totalMg: 63, bolusMg: 6.3, infusionMg: 56.7, infusionMinutes: 60, volumeMl: 63, capped: false }],
  ['alteplase 30 kg (lower bound)', alteplase(30), { totalMg: 27, bolusMg: 2.7, infusionMg: 24.3, volumeMl: 27 }],
  ['alteplase 99 kg', alteplase(99), { totalMg: 89.1, bolusMg: 8.9, infusionMg: 80.2, capped: false }],
  ['alteplase 100 kg reaches the cap', alteplase(100), { totalMg: 90, bolusMg: 9, infusionMg: 81, volumeMl: 90, capped: false }],
  ['alteplase 101 kg is capped', alteplase(101), { totalMg: 90, bolusMg: 9, infusionMg: 81, capped: true }],
  ['alteplase 120 kg is capped', alteplase(120), { totalMg: 90, capped: true }],
  ['alteplase 67.5 kg rounds 60.75 mg to 60.8', alteplase(67.5), { totalMg: 60.8, bolusMg: 6.1, infusionMg: 54.7, volumeMl: 60.8 }],
  ['alteplase 55 kg: 49.5 mg, bolus 4.95 rounds up to 5', alteplase(55), { totalMg: 49.5, bolusMg: 5, infusionMg: 44.5 }],
  ['tenecteplase 70 kg', tenecteplase(70), { totalMg: 17.5, bolusMg: 17.5, bolusMinutes: null, infusionMg: 0, infusionMinutes: 0, volumeMl: 3.5 }],
  ['tenecteplase 99 kg', tenecteplase(99), { totalMg: 24.8, volumeMl: 5, capped: false }],
  ['tenecteplase 100 kg reaches 25 mg', tenecteplase(100), { totalMg: 25, bolusMg: 25, volumeMl: 5, capped: false }],
  ['tenecteplase 110 kg is capped at 25 mg', tenecteplase(110), { totalMg: 25, volumeMl: 5, capped: true }],
  ['tenecteplase 73 kg: 18.25 mg rounds to 18.3, 3.66 mL to 3.7', tenecteplase(73), { totalMg: 18.3, volumeMl: 3.7 }],
  ['tenecteplase 0.25 mg/kg stated', tenecteplase(80, { mgPerKg: 0.25 }), { totalMg: 20 }],
  ['alteplase 150 kg confirmed as kg', alteplase(150, { weightConfirmed: true }), { totalMg: 90, capped: true }],
  ['alteplase 250 kg confirmed (upper bound)', alteplase(250, { weightConfirmed: true }), { totalMg: 90 }],
];

const REFUSALS: [label: string, req: DoseRequest, code: string][] = [
  ['missing weight', alteplase(undefined), 'WEIGHT_MISSING'],
  ['null weight', tenecteplase(null), 'WEIGHT_MISSING'],
  ['7.5 kg (75 without its zero)', alteplase(7.5), 'WEIGHT_IMPLAUSIBLE'],
  ['29.9 kg', alteplase(29.9), 'WEIGHT_IMPLAUSIBLE'],
  ['0 kg', tenecteplase(0), 'WEIGHT_IMPLAUSIBLE'],
  ['negative weight', tenecteplase(-70), 'WEIGHT_IMPLAUSIBLE'],
  ['250.1 kg', alteplase(250.1, { weightConfirmed: true }), 'WEIGHT_IMPLAUSIBLE'],
  ['a 70 kg patient typed in lb as 154 "kg"', alteplase(154), 'WEIGHT_CONFIRMATION_REQUIRED'],
  ['a 60 kg patient typed in lb as 132 "kg" (tenecteplase)', tenecteplase(132), 'WEIGHT_CONFIRMATION_REQUIRED'],
  ['a 130 kg patient in lb typed as 286.6 "kg"', alteplase(286.6, { weightConfirmed: true }), 'WEIGHT_IMPLAUSIBLE'],
  ['tenecteplase 0.5 mg/kg (STEMI)', tenecteplase(70, { mgPerKg: 0.5 }), 'STEMI_DOSE_REFUSED'],
  ['tenecteplase with the STEMI indication', tenecteplase(70, { indication: 'stemi' }), 'STEMI_DOSE_REFUSED'],
  ['alteplase with the STEMI indication', alteplase(70, { indication: 'stemi' }), 'STEMI_DOSE_REFUSED'],
  ['tenecteplase 0.5 mg/kg even without a weight', tenecteplase(undefined, { mgPerKg: 0.5 }), 'STEMI_DOSE_REFUSED'],
  ['alteplase 1.1 mg/kg', alteplase(70, { mgPerKg: 1.1 }), 'DOSE_NOT_STROKE'],
  ['tenecteplase 0.4 mg/kg', tenecteplase(70, { mgPerKg: 0.4 }), 'DOSE_NOT_STROKE'],
];

describe('computeDose()', () => {
  it.each(DOSES)('computeDose() for %s returns the expected dose', (_label, req, expected) => {
    const outcome = computeDose(req);
    if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.code}`);
    expect(outcome.dose).toMatchObject(expected);
    expect(roundToStep(outcome.dose.bolusMg + outcome.dose.infusionMg, 0.1)).toBe(outcome.dose.totalMg);
    expect(outcome.dose.totalMg).toBeLessThanOrEqual(outcome.dose.maxMg);
  });

  it.each(REFUSALS)('computeDose() with %s refuses with its code', (_label, req, code) => {
    const outcome = computeDose(req);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.refusal.code).toBe(code);
  });

  it('computeDose() of an unconfirmed 154 kg tells what the weight would be in lb', () => {
    const outcome = computeDose(alteplase(154));
    expect(!outcome.ok && outcome.refusal.details).toEqual({ weightKg: 154, ifPoundsKg: 69.9, confirmAboveKg: 120 });
  });

  it('computeDose() at exactly 120 kg needs no confirmation, above it does', () => {
    expect(computeDose(alteplase(120)).ok).toBe(true);
    expect(computeDose(alteplase(120.1)).ok).toBe(false);
    expect(computeDose(alteplase(120.1, { weightConfirmed: true })).ok).toBe(true);
  });

  it('computeDose() states its rounding rule in the result', () => {
    const outcome = computeDose(alteplase(70));
    expect(outcome.ok && outcome.dose.rounding).toMatchObject({ doseStepMg: 0.1, volumeStepMl: 0.1 });
  });

  it('DoseRequestSchema rejects an unknown drug, a string weight and an extra key', () => {
    expect(DoseRequestSchema.safeParse({ drug: 'streptokinase', weightKg: 70, indication: 'stroke' }).success).toBe(false);
    expect(DoseRequestSchema.safeParse({ drug: 'alteplase', weightKg: '70', indication: 'stroke' }).success).toBe(false);
    expect(DoseRequestSchema.safeParse({ drug: 'alteplase', weightKg: 70, indication: 'stroke', mg: 63 }).success).toBe(false);
    expect(DoseRequestSchema.parse({ drug: 'alteplase', indication: 'stroke' })).toEqual({ drug: 'alteplase', indication: 'stroke' });
  });

  it('poundsToKg() converts 154 lb to 69.9 kg', () => {
    expect(poundsToKg(154)).toBe(69.9);
  });
});

describe('thrombolysisWindow()', () => {
  const lkw = new Date('2026-03-10T08:00:00Z');
  const at = (minutes: number) => new Date(lkw.getTime() + minutes * 60_000);

  it.each([
    [0, 'open', 270],
    [209, 'open', 61],
    [209.5, 'open', 61],
    [210, '60', 60],
    [239.9, '60', 31],
    [240, '30', 30],
    [254.9, '30', 16],
    [255, '15', 15],
    [269.5, '15', 1],
    [270, 'closed', 0],
    [275.5, 'closed', -5],
  ] as const)('thrombolysisWindow() %s min after LKW is %s with %s min left', (minutes, level, left) => {
    const w = thrombolysisWindow(lkw, at(minutes));
    expect(w.level).toBe(level);
    expect(w.minutesLeft).toBe(left);
  });

  it('thrombolysisWindow() accepts ISO strings and closes 4.5 h after LKW', () => {
    const w = thrombolysisWindow('2026-03-10T08:00:00Z', '2026-03-10T09:30:00Z');
    expect(w.closesAt.toISOString()).toBe('2026-03-10T12:30:00.000Z');
    expect(w.minutesSinceLkw).toBe(90);
    expect(w.level).toBe('open');
  });
});

describe('bolusChecks()', () => {
  const allAbsent: ChecklistAnswers = Object.fromEntries(CHECKLIST_IDS.map((id) => [id, 'absent']));
  const ok = { checklist: allAbsent, systolicMmHg: 160, diastolicMmHg: 90, glucoseMmolPerL: 6.2 };

  it('bolusChecks() with every item absent, 184/109 mmHg and a glucose passes', () => {
    expect(bolusChecks({ ...ok, systolicMmHg: 184, diastolicMmHg: 109 })).toEqual([]);
  });

  it.each([
    ['185 systolic', { systolicMmHg: 185 }, 'BP_TOO_HIGH'],
    ['110 diastolic', { diastolicMmHg: 110 }, 'BP_TOO_HIGH'],
    ['no glucose', { glucoseMmolPerL: null }, 'GLUCOSE_MISSING'],
    ['an unanswered item', { checklist: { ...allAbsent, anticoagulant: undefined } as unknown as ChecklistAnswers }, 'CHECKLIST_INCOMPLETE'],
    ['anticoagulants present', { checklist: { ...allAbsent, anticoagulant: 'present' } }, 'CONTRAINDICATION_PRESENT'],
  ] as const)('bolusChecks() with %s fails with its code', (_label, change, code) => {
    expect(bolusChecks({ ...ok, ...change }).map((f) => f.code)).toEqual([code]);
  });

  it('glucoseMmolPerL() converts 1.2 g/L to 6.7 mmol/L and prefers mmol/L', () => {
    expect(glucoseMmolPerL({ glucoseGPerL: 1.2 })).toBe(6.7);
    expect(glucoseMmolPerL({ glucoseMmolPerL: 5, glucoseGPerL: 1.2 })).toBe(5);
    expect(glucoseMmolPerL({})).toBeNull();
  });
});
