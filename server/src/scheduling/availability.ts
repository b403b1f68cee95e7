import {
  addDays,
  localToUtc,
  minutesOfTime,
  toLocal,
  type AvailabilityExceptionDto,
  type AvailabilitySlotDto,
} from '@telestroke/shared';

/** A half-open interval of instants, in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/** Sorted, with touching or overlapping intervals merged. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** `from` minus every interval of `cut`. */
export function subtractIntervals(from: Interval[], cut: Interval[]): Interval[] {
  let rest = mergeIntervals(from);
  for (const c of mergeIntervals(cut)) {
    rest = rest.flatMap((i) => {
      if (c.end <= i.start || c.start >= i.end) return [i];
      const pieces: Interval[] = [];
      if (c.start > i.start) pieces.push({ start: i.start, end: c.start });
      if (c.end < i.end) pieces.push({ start: c.end, end: i.end });
      return pieces;
    });
  }
  return rest;
}

/**
 * The instants a specialist is bookable within [from, to): the weekly slots (Paris wall clock, so a 09:00 slot is
 * 08:00Z in summer and 07:00Z in winter), plus the extra slots, minus leave. A weekly slot edge the DST change skips
 * or repeats is placed leniently: the rule was given once, not for that night.
 */
export function bookableIntervals(
  slots: Pick<AvailabilitySlotDto, 'weekday' | 'start' | 'end'>[],
  exceptions: Pick<AvailabilityExceptionDto, 'kind' | 'startsAt' | 'endsAt'>[],
  from: Date,
  to: Date,
): Interval[] {
  const weekly: Interval[] = [];
  // A day either side: a Paris day starts an hour or two before its UTC date.
  const last = addDays(toLocal(to).date, 1);
  for (let day = addDays(toLocal(from).date, -1); day <= last; day = addDays(day, 1)) {
    const weekday = toLocal(localToUtc(day, '12:00', { dst: 'lenient' })).weekday;
    for (const s of slots) {
      if (s.weekday !== weekday) continue;
      const start = localToUtc(day, s.start, { dst: 'lenient' }).getTime();
      const end = minutesOfTime(s.end) === 1440 ? localToUtc(addDays(day, 1), '00:00', { dst: 'lenient' }) : localToUtc(day, s.end, { dst: 'lenient' });
      weekly.push({ start, end: end.getTime() });
    }
  }
  const range = (e: Pick<AvailabilityExceptionDto, 'startsAt' | 'endsAt'>) => ({
    start: Date.parse(e.startsAt),
    end: Date.parse(e.endsAt),
  });
  const extra = exceptions.filter((e) => e.kind === 'extra').map(range);
  const leave = exceptions.filter((e) => e.kind === 'leave').map(range);
  const window = { start: from.getTime(), end: to.getTime() };
  return subtractIntervals([...weekly, ...extra], leave)
    .map((i) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) }))
    .filter((i) => i.end > i.start);
}

/** Whether [start, end) lies inside one bookable interval. */
export function covers(bookable: Interval[], start: number, end: number): boolean {
  return bookable.some((i) => i.start <= start && end <= i.end);
}
