import { describe, expect, it } from 'vitest';
import {
  ASPECTS_REGIONS,
  aspectsScore,
  NORMAL_ASPECTS,
  SignReportRequestSchema,
  StrokeFindingsDraftSchema,
  WorklistQuerySchema,
  type StrokeFindings,
} from './worklist';

const findings: StrokeFindings = {
  haemorrhage: 'none',
  earlyIschaemicSigns: true,
  aspects: { ...NORMAL_ASPECTS, insula: true, M2: true },
  hyperdenseVesselSign: true,
  lvo: 'M1',
  recommendation: 'thrombectomy_transfer',
  freeText: '',
};

describe('aspectsScore()', () => {
  it('aspectsScore() of ten unaffected regions is 10, of ten affected regions 0, of two affected 8', () => {
    expect(ASPECTS_REGIONS).toHaveLength(10);
    expect(aspectsScore(NORMAL_ASPECTS)).toBe(10);
    expect(aspectsScore(Object.fromEntries(ASPECTS_REGIONS.map((r) => [r, true])))).toBe(0);
    expect(aspectsScore(findings.aspects)).toBe(8);
  });

  it('aspectsScore() of a partial draft counts left-out regions as unaffected', () => {
    expect(aspectsScore({ caudate: true })).toBe(9);
    expect(aspectsScore({})).toBe(10);
  });
});

describe('report schemas', () => {
  it('SignReportRequestSchema accepts complete findings and rejects a missing region, an unknown value or an extra key', () => {
    expect(SignReportRequestSchema.parse(findings)).toEqual(findings);
    const { M6: _left, ...nine } = findings.aspects;
    expect(SignReportRequestSchema.safeParse({ ...findings, aspects: nine }).success).toBe(false);
    expect(SignReportRequestSchema.safeParse({ ...findings, lvo: 'PCA' }).success).toBe(false);
    expect(SignReportRequestSchema.safeParse({ ...findings, aspectsScore: 10 }).success).toBe(false);
    expect(SignReportRequestSchema.safeParse({ ...findings, freeText: 'x'.repeat(4001) }).success).toBe(false);
  });

  it('StrokeFindingsDraftSchema accepts any subset of the findings, and partial ASPECTS', () => {
    expect(StrokeFindingsDraftSchema.parse({})).toEqual({});
    expect(StrokeFindingsDraftSchema.parse({ aspects: { M1: true } })).toEqual({ aspects: { M1: true } });
    expect(StrokeFindingsDraftSchema.safeParse({ aspects: { M7: true } }).success).toBe(false);
  });

  it('WorklistQuerySchema coerces the limit and rejects an unknown status', () => {
    expect(WorklistQuerySchema.parse({ limit: '20', status: 'ready' })).toEqual({ limit: 20, status: 'ready' });
    expect(WorklistQuerySchema.safeParse({ status: 'done' }).success).toBe(false);
  });
});
