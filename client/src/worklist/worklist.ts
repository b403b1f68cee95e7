import {
  READ_PRIORITIES,
  type ReadRequestDto,
  type ReadStatus,
  StrokeFindingsSchema,
  type StrokeFindings,
  type StrokeFindingsDraft,
} from '@telestroke/shared';

/** The screen's filters; undefined means "all". The server applies them to a load, `matchesFilters` to live events. */
export interface WorklistFilters {
  siteCode?: string;
  modality?: string;
  status?: ReadStatus;
}

export function matchesFilters(r: ReadRequestDto, f: WorklistFilters): boolean {
  if (f.siteCode && r.siteCode !== f.siteCode) return false;
  if (f.modality && !r.modalities.includes(f.modality)) return false;
  if (f.status && r.status !== f.status) return false;
  return true;
}

/** Still waiting for a reader or being read. */
export function isOpen(r: ReadRequestDto): boolean {
  return r.status !== 'reported';
}

/** A reader may claim a request nobody holds that is not reported yet. */
export function isClaimable(r: ReadRequestDto): boolean {
  return (r.status === 'arriving' || r.status === 'ready') && r.claimedBy === null;
}

/**
 * The order a reader works in: open requests first, by priority, then the one closest to (or furthest past) its
 * deadline; reported ones after, most recently signed first.
 */
export function compareRequests(a: ReadRequestDto, b: ReadRequestDto): number {
  const openA = isOpen(a);
  const openB = isOpen(b);
  if (openA !== openB) return openA ? -1 : 1;
  if (openA) {
    const p = READ_PRIORITIES.indexOf(a.priority) - READ_PRIORITIES.indexOf(b.priority);
    if (p !== 0) return p;
    const due = Date.parse(a.slaDueAt) - Date.parse(b.slaDueAt);
    if (due !== 0) return due;
  } else {
    const signed = Date.parse(b.report?.signedAt ?? b.createdAt) - Date.parse(a.report?.signedAt ?? a.createdAt);
    if (signed !== 0) return signed;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The list after a live change: replaced in place, added when new and matching the filters, dropped when it no
 * longer matches (a status filter of "to read" loses a request once claimed).
 */
export function upsertRequest(
  list: readonly ReadRequestDto[],
  r: ReadRequestDto,
  filters: WorklistFilters,
): ReadRequestDto[] {
  const others = list.filter((x) => x.id !== r.id);
  const next = matchesFilters(r, filters) ? [...others, r] : others;
  return next.sort(compareRequests);
}

/** The modalities to offer as filters: the usual stroke ones and whatever the list holds. */
export function modalityOptions(list: readonly ReadRequestDto[]): string[] {
  const set = new Set(['CT', 'MR']);
  for (const r of list) for (const m of r.modalities) set.add(m);
  return [...set].sort();
}

/** Fields a report needs before it can be signed, in the order of the form. */
export type FindingField = 'haemorrhage' | 'earlyIschaemicSigns' | 'hyperdenseVesselSign' | 'lvo' | 'recommendation';

export const REQUIRED_FINDINGS: readonly FindingField[] = [
  'haemorrhage',
  'earlyIschaemicSigns',
  'hyperdenseVesselSign',
  'lvo',
  'recommendation',
];

/** The required fields a draft still lacks. ASPECTS regions left untouched count as unaffected. */
export function missingFindings(draft: StrokeFindingsDraft): FindingField[] {
  return REQUIRED_FINDINGS.filter((f) => draft[f] === undefined);
}

/** The complete findings to sign, or null while something required is missing. */
export function toFindings(draft: StrokeFindingsDraft): StrokeFindings | null {
  if (missingFindings(draft).length > 0) return null;
  const aspects = {
    caudate: false,
    lentiform: false,
    internalCapsule: false,
    insula: false,
    M1: false,
    M2: false,
    M3: false,
    M4: false,
    M5: false,
    M6: false,
    ...draft.aspects,
  };
  const parsed = StrokeFindingsSchema.safeParse({ ...draft, aspects, freeText: draft.freeText ?? '' });
  return parsed.success ? parsed.data : null;
}
