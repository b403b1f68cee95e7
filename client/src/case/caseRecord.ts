import {
  type CaseEventKind,
  type CaseRecordDto,
  elapsedMinutes,
  type NihssAssessmentDto,
  type NihssItemId,
  type NihssScores,
  type NihssValue,
  NIHSS_ITEM_IDS,
  type ThrombolysisOrderDto,
  thrombolysisWindow,
  type ThrombolysisWindow,
  type TimelineEntryDto,
} from '@telestroke/shared';

export function timelineEntry(record: CaseRecordDto, kind: CaseEventKind): TimelineEntryDto | null {
  return record.timeline.find((e) => e.kind === kind) ?? null;
}

/**
 * An assessment as the server sent it (HTTP answer or live event), merged into the series. Answers and events can
 * cross: the one with fewer recorded changes is older and is dropped.
 */
export function mergeAssessment(series: NihssAssessmentDto[], incoming: NihssAssessmentDto): NihssAssessmentDto[] {
  const index = series.findIndex((a) => a.id === incoming.id);
  if (index < 0) return [...series, incoming].sort((a, b) => a.seq - b.seq);
  if (series[index]!.changes.length > incoming.changes.length) return series;
  const next = series.slice();
  next[index] = incoming;
  return next;
}

/** The answers to show: the server's, overridden by the user's own answers still on their way to it. */
export function displayedScores(
  assessment: NihssAssessmentDto,
  pending: Partial<Record<NihssItemId, NihssValue | null>>,
): NihssScores {
  const scores: NihssScores = {};
  for (const id of NIHSS_ITEM_IDS) {
    const value = id in pending ? pending[id] : assessment.items[id]?.value;
    if (value !== undefined && value !== null) scores[id] = value;
  }
  return scores;
}

export interface CaseClocks {
  /** Minutes since last known well, and whether that time is an estimate; null until it is entered. */
  lkw: { minutes: number; estimated: boolean } | null;
  /** Door-to-needle: running from the door until the bolus, then fixed; null without a door time. */
  doorToNeedle: { minutes: number; done: boolean } | null;
  /** The 4.5 h window; null without a last-known-well time. */
  window: ThrombolysisWindow | null;
  needleAt: string | null;
}

export function caseClocks(record: CaseRecordDto, now: number): CaseClocks {
  const lkw = timelineEntry(record, 'lkw');
  const door = timelineEntry(record, 'door');
  const needle = timelineEntry(record, 'needle');
  return {
    lkw: lkw ? { minutes: elapsedMinutes(lkw.at, now), estimated: lkw.estimated } : null,
    doorToNeedle: door
      ? { minutes: elapsedMinutes(door.at, needle ? needle.at : now), done: needle !== null }
      : null,
    window: lkw ? thrombolysisWindow(lkw.at, now) : null,
    needleAt: needle?.at ?? null,
  };
}

/** The record carries the orders untyped (the thrombolysis capability owns their shape). */
export function ordersOf(record: CaseRecordDto): ThrombolysisOrderDto[] {
  return record.thrombolysisOrders as ThrombolysisOrderDto[];
}

/** The order the assistant works on: the latest one. */
export function currentOrder(orders: readonly ThrombolysisOrderDto[]): ThrombolysisOrderDto | null {
  return orders.length > 0 ? orders[orders.length - 1]! : null;
}

/** "1 h 05" / "45 min" / "0 min", for a clock that may be negative (a time entered a little ahead). */
export function formatMinutes(minutes: number): string {
  const m = Math.max(0, minutes);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')}`;
}

/** A number typed in a field, French decimal comma accepted; null when empty or not a number. */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '' || !/^\d+(\.\d+)?$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** A dose or volume as clinicians write it in the user's language (0.1 steps: one decimal at most). */
export function formatAmount(value: number, lang: 'fr' | 'en'): string {
  return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 2 }).format(value);
}
