/**
 * Where the queue and the rate limiters read the time, in milliseconds from an arbitrary origin (only
 * differences matter). Injectable so tests can step time instead of sleeping.
 */
export interface Clock {
  now(): number;
}

/** Monotonic, so a wall-clock jump (NTP step, suspend/resume) neither shortens nor stretches a backoff. */
export const systemClock: Clock = { now: () => performance.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #now = 1_000_000;
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
