// Polling intervals for runs that are not finished: the base interval while a
// run changes, doubling while it stays quiet, up to a ceiling.

export class Backoff {
  private current: number;
  constructor(private readonly baseMs: number, private readonly maxFactor = 8) { this.current = baseMs; }
  get intervalMs(): number { return this.current; }
  /** After a poll: reset when something changed, else back off. */
  next(changed: boolean): number {
    this.current = changed ? this.baseMs : Math.min(this.current * 2, this.baseMs * this.maxFactor);
    return this.current;
  }
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
