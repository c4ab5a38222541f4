/**
 * Time as the pure cores see it. Services pass `systemClock`; tests and the
 * simulator pass a fake clock they advance themselves, so no test sleeps.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since an arbitrary origin for fake clocks). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock a test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
