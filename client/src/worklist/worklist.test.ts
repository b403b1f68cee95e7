import type { ReadRequestDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import {
  compareRequests,
  isClaimable,
  matchesFilters,
  missingFindings,
  modalityOptions,
  toFindings,
  upsertRequest,
} from './worklist';

let n = 0;
function req(over: Partial<ReadRequestDto> = {}): ReadRequestDto {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    status: 'ready',
    priority: 'P1',
    siteCode: 'MACON',
    siteName: 'CH Mâcon',
    hubCode: 'DIJON',
    studyInstanceUid: `1.2.3.${n}`,
    studyId: id,
    modalities: ['CT'],
    description: 'Scanner cérébral',
    instanceCount: 30,
    seriesCount: 1,
    patientRef: null,
    createdAt: '2025-03-01T10:00:00.000Z',
    firstImageAt: '2025-03-01T10:00:00.000Z',
    slaDueAt: '2025-03-01T10:15:00.000Z',
    escalatedAt: null,
    slaBreached: false,
    claimedBy: null,
    claimedAt: null,
    consultId: null,
    report: null,
    ...over,
  };
}

describe('matchesFilters()', () => {
  it('matchesFilters() with no filter keeps everything', () => {
    expect(matchesFilters(req(), {})).toBe(true);
  });

  it('matchesFilters() by site, modality and status drops what differs', () => {
    const r = req({ siteCode: 'NEVERS', modalities: ['CT', 'SR'], status: 'claimed' });
    expect(matchesFilters(r, { siteCode: 'NEVERS', modality: 'SR', status: 'claimed' })).toBe(true);
    expect(matchesFilters(r, { siteCode: 'MACON' })).toBe(false);
    expect(matchesFilters(r, { modality: 'MR' })).toBe(false);
    expect(matchesFilters(r, { status: 'ready' })).toBe(false);
  });
});

describe('compareRequests()', () => {
  it('compareRequests() puts open before reported, P1 before P2, then the earliest deadline', () => {
    const reported = req({ status: 'reported', slaDueAt: '2025-03-01T09:00:00.000Z' });
    const p2 = req({ priority: 'P2', slaDueAt: '2025-03-01T09:30:00.000Z' });
    const p1late = req({ slaDueAt: '2025-03-01T10:20:00.000Z' });
    const p1soon = req({ status: 'claimed', slaDueAt: '2025-03-01T10:05:00.000Z' });
    expect([reported, p2, p1late, p1soon].sort(compareRequests)).toEqual([p1soon, p1late, p2, reported]);
  });

  it('compareRequests() orders reported requests most recently signed first', () => {
    const summary = { signedBy: { id: 'x', name: 'Dr X' }, aspectsScore: 10, recommendation: 'neither' as const, addendumCount: 0 };
    const old = req({ status: 'reported', report: { ...summary, signedAt: '2025-03-01T10:10:00.000Z' } });
    const recent = req({ status: 'reported', report: { ...summary, signedAt: '2025-03-01T11:10:00.000Z' } });
    expect([old, recent].sort(compareRequests)).toEqual([recent, old]);
  });
});

describe('upsertRequest()', () => {
  it('upsertRequest() of a new matching request adds it in order', () => {
    const a = req({ slaDueAt: '2025-03-01T10:15:00.000Z' });
    const b = req({ slaDueAt: '2025-03-01T10:05:00.000Z' });
    expect(upsertRequest([a], b, {}).map((r) => r.id)).toEqual([b.id, a.id]);
  });

  it('upsertRequest() replaces a known request rather than duplicating it', () => {
    const a = req();
    const claimed = { ...a, status: 'claimed' as const, claimedBy: { id: 'u', name: 'Dr U' } };
    expect(upsertRequest([a], claimed, {})).toEqual([claimed]);
  });

  it('upsertRequest() drops a request that no longer matches the filters', () => {
    const a = req();
    expect(upsertRequest([a], { ...a, status: 'claimed' }, { status: 'ready' })).toEqual([]);
  });
});

describe('isClaimable() and modalityOptions()', () => {
  it('isClaimable() only for an unclaimed arriving or ready request', () => {
    expect(isClaimable(req({ status: 'arriving' }))).toBe(true);
    expect(isClaimable(req({ status: 'claimed', claimedBy: { id: 'u', name: 'U' } }))).toBe(false);
    expect(isClaimable(req({ status: 'reported' }))).toBe(false);
  });

  it('modalityOptions() offers CT and MR and every modality in the list, sorted', () => {
    expect(modalityOptions([req({ modalities: ['CT', 'SR'] })])).toEqual(['CT', 'MR', 'SR']);
  });
});

describe('missingFindings() and toFindings()', () => {
  const complete = {
    haemorrhage: 'none' as const,
    earlyIschaemicSigns: true,
    hyperdenseVesselSign: false,
    lvo: 'M1' as const,
    recommendation: 'thrombectomy_transfer' as const,
  };

  it('missingFindings() of an empty draft lists every required field in form order', () => {
    expect(missingFindings({})).toEqual([
      'haemorrhage',
      'earlyIschaemicSigns',
      'hyperdenseVesselSign',
      'lvo',
      'recommendation',
    ]);
    expect(toFindings({ ...complete, lvo: undefined })).toBeNull();
  });

  it('toFindings() of a complete draft fills untouched ASPECTS regions as unaffected and an empty free text', () => {
    const findings = toFindings({ ...complete, aspects: { M2: true, insula: true } });
    expect(findings).not.toBeNull();
    expect(findings!.aspects).toEqual({
      caudate: false,
      lentiform: false,
      internalCapsule: false,
      insula: true,
      M1: false,
      M2: true,
      M3: false,
      M4: false,
      M5: false,
      M6: false,
    });
    expect(findings!.freeText).toBe('');
    expect(missingFindings(complete)).toEqual([]);
  });
});
