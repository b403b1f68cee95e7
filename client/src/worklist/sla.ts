/** Where a read stands against its deadline: the countdown turns amber in the last minutes, red once breached. */
export type SlaLevel = 'ok' | 'soon' | 'breached' | 'none';

/** The last minutes before the deadline, shown amber so that nobody is surprised by the red. */
export const SLA_SOON_MS = 5 * 60_000;

export interface SlaState {
  level: SlaLevel;
  /** Milliseconds left; negative once past the deadline; null without a deadline. */
  remainingMs: number | null;
}

/** The SLA of a read due at `dueAt` (ISO), seen at `now`. A done read (reported) has no countdown any more. */
export function slaState(dueAt: string | null | undefined, now: number, done = false): SlaState {
  if (done || !dueAt) return { level: 'none', remainingMs: null };
  const due = Date.parse(dueAt);
  if (!Number.isFinite(due)) return { level: 'none', remainingMs: null };
  const remainingMs = due - now;
  if (remainingMs <= 0) return { level: 'breached', remainingMs };
  return { level: remainingMs <= SLA_SOON_MS ? 'soon' : 'ok', remainingMs };
}

/**
 * A countdown as clinicians read it: "14:05" (minutes:seconds) under an hour, "1 h 05" beyond. Always the
 * absolute value: the caller says whether it is time left or time overdue.
 */
export function formatCountdown(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')}`;
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}
