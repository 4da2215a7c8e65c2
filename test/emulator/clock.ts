/** A clock tests can move: real time plus an offset that only grows. */
export class Clock {
  private offset = 0;
  now(): number { return Date.now() + this.offset; }
  advance(ms: number): void { if (ms > 0) this.offset += ms; }
}
