/**
 * Exponential backoff with jitter, as client-go's reflector uses it (800 ms doubling to 30 s, each delay
 * stretched by up to `jitter` times itself so many clients failing together do not retry together).
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #next: number;

  constructor(
    options: {
      initialMs?: number;
      maxMs?: number;
      factor?: number;
      jitter?: number;
      random?: () => number;
    } = {},
  ) {
    this.#initialMs = options.initialMs ?? 800;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 1;
    this.#random = options.random ?? Math.random;
    this.#next = this.#initialMs;
  }

  /** The delay before the next attempt; each call grows the following one. */
  nextDelayMs(): number {
    const base = this.#next;
    this.#next = Math.min(this.#maxMs, this.#next * this.#factor);
    return base + base * this.#jitter * this.#random();
  }

  reset(): void {
    this.#next = this.#initialMs;
  }
}
