import type { StudyEvent } from '@telestroke/shared';
import type { EventBus } from '../events/EventBus';

/** The state of a study after one more instance was committed. */
export interface StudyProgress {
  studyId: string;
  studyInstanceUid: string;
  siteCode: string;
  modalities: string[];
  description: string | null;
  seriesCount: number;
  instanceCount: number;
  firstReceivedAt: Date;
  /** This instance created the study. */
  isNewStudy: boolean;
}

export interface ArrivalTrackerOptions {
  /** Quiet time after the last instance before a study is complete, in ms. Default 10 000. */
  quietMs?: number;
  /** Shortest gap between two `study.updated` events of one study, in ms. Default 250. */
  updateIntervalMs?: number;
}

interface Tracked {
  latest: StudyProgress;
  quietTimer: NodeJS.Timeout;
  updateTimer: NodeJS.Timeout | undefined;
  lastUpdateAt: number;
}

/**
 * Turns committed instances into arrival events: `study.arriving` at once for the first instance of a new
 * study, `study.updated` as counts grow (coalesced), and `study.complete` after a quiet period.
 */
export class ArrivalTracker {
  readonly #bus: EventBus;
  readonly #quietMs: number;
  readonly #updateIntervalMs: number;
  readonly #studies = new Map<string, Tracked>();
  #closed = false;

  private constructor(bus: EventBus, options: ArrivalTrackerOptions) {
    this.#bus = bus;
    this.#quietMs = options.quietMs ?? 10_000;
    this.#updateIntervalMs = options.updateIntervalMs ?? 250;
  }

  static async create(bus: EventBus, options: ArrivalTrackerOptions = {}): Promise<ArrivalTracker> {
    return new ArrivalTracker(bus, options);
  }

  /** Studies still receiving. */
  get arrivingCount(): number {
    return this.#studies.size;
  }

  /** Call after the instance's transaction committed, never before: subscribers may read it at once. */
  instanceCommitted(p: StudyProgress): void {
    if (this.#closed) return;
    const existing = this.#studies.get(p.studyId);
    if (existing) clearTimeout(existing.quietTimer);
    const tracked: Tracked = existing ?? { latest: p, quietTimer: undefined as never, updateTimer: undefined, lastUpdateAt: 0 };
    if (!existing || p.instanceCount >= tracked.latest.instanceCount) tracked.latest = p;
    tracked.quietTimer = setTimeout(() => this.#complete(p.studyId), this.#quietMs);
    this.#studies.set(p.studyId, tracked);
    if (!existing && p.isNewStudy) {
      tracked.lastUpdateAt = Date.now();
      this.#emit('study.arriving', p);
      return;
    }
    this.#scheduleUpdate(tracked);
  }

  #scheduleUpdate(t: Tracked): void {
    if (t.updateTimer) return;
    const wait = Math.max(0, t.lastUpdateAt + this.#updateIntervalMs - Date.now());
    t.updateTimer = setTimeout(() => {
      t.updateTimer = undefined;
      t.lastUpdateAt = Date.now();
      this.#emit('study.updated', t.latest);
    }, wait);
  }

  #complete(studyId: string): void {
    const t = this.#studies.get(studyId);
    if (!t) return;
    if (t.updateTimer) clearTimeout(t.updateTimer);
    this.#studies.delete(studyId);
    this.#emit('study.complete', t.latest);
  }

  #emit(type: StudyEvent['type'], p: StudyProgress): void {
    this.#bus.publish({
      type,
      studyId: p.studyId,
      studyInstanceUid: p.studyInstanceUid,
      siteCode: p.siteCode,
      modalities: p.modalities,
      description: p.description,
      seriesCount: p.seriesCount,
      instanceCount: p.instanceCount,
      firstReceivedAt: p.firstReceivedAt.toISOString(),
      at: new Date().toISOString(),
    });
  }

  /** Idempotent. Pending studies get no `complete` event: they are re-evaluated when instances arrive again. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#studies.values()) {
      clearTimeout(t.quietTimer);
      if (t.updateTimer) clearTimeout(t.updateTimer);
    }
    this.#studies.clear();
  }
}
