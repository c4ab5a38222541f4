/**
 * A token bucket for repair traffic (--repair-bandwidth bytes per second; 0 = unlimited).
 * Repairs await `take(bytes)` before moving a chunk, so a node catching up cannot starve
 * client traffic. The bucket holds at most one second of budget. Time and waiting are passed
 * in, so a test drives the bucket with a clock it moves itself.
 */
import { Clock, systemClock } from '../common/clock';
import { delay } from '../common/wait';

export class RepairThrottle {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly clock: Clock = systemClock,
    private readonly sleep: (ms: number) => Promise<void> = delay,
  ) {
    this.tokens = rate;
    this.last = clock.now();
  }

  async take(bytes: number): Promise<void> {
    if (this.rate <= 0) return;
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      // A chunk bigger than a second's budget goes through once the bucket is full.
      if (this.tokens >= Math.min(bytes, this.rate)) {
        this.tokens -= bytes;
        return;
      }
      await this.sleep(Math.ceil(((Math.min(bytes, this.rate) - this.tokens) / this.rate) * 1000));
    }
  }
}
