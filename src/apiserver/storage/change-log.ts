import type { KvEvent } from './key-value.js';

/**
 * The retained history: every change with revision in (compactedRevision, newestRevision], one per
 * revision, so a revision maps to an index by subtraction. Old snapshots are rebuilt from it by undoing
 * newer changes (each event carries prevKv), and watches replay from it.
 *
 * Compaction advances a head index instead of shifting, and copies the tail down only when the dead
 * prefix is at least half the array, keeping removal amortised O(1) per event.
 */
export class ChangeLog {
  #events: KvEvent[] = [];
  /** Monotonic milliseconds of each event's commit, for the time-based retention policy. */
  #times: number[] = [];
  #head = 0;
  #compactedRevision: number;

  constructor(compactedRevision: number) {
    this.#compactedRevision = compactedRevision;
  }

  /** History at or below this revision is gone; states from this revision on can be rebuilt. */
  get compactedRevision(): number {
    return this.#compactedRevision;
  }

  /** The revision of the newest event, or the compacted revision when none is retained. */
  get newestRevision(): number {
    return this.#compactedRevision + this.size;
  }

  get size(): number {
    return this.#events.length - this.#head;
  }

  append(event: KvEvent, time: number): void {
    if (event.revision !== this.newestRevision + 1) {
      throw new Error(`change log gap: got revision ${event.revision}, expected ${this.newestRevision + 1}`);
    }
    this.#events.push(event);
    this.#times.push(time);
  }

  /** The event of `revision`; the caller guarantees compactedRevision < revision <= newestRevision. */
  at(revision: number): KvEvent {
    return this.#events[this.#head + (revision - this.#compactedRevision - 1)]!;
  }

  /** The oldest retained revision whose commit time is >= `time`, or newestRevision + 1 if none. */
  firstRevisionAtOrAfter(time: number): number {
    let lo = this.#head;
    let hi = this.#events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#times[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    return this.#compactedRevision + 1 + (lo - this.#head);
  }

  /** Drops every event with revision <= `revision` (clamped to what is retained). */
  compact(revision: number): void {
    const target = Math.min(revision, this.newestRevision);
    if (target <= this.#compactedRevision) return;
    this.#head += target - this.#compactedRevision;
    this.#compactedRevision = target;
    if (this.#head >= 1024 && this.#head * 2 >= this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
