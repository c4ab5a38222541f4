/**
 * Lifeguard local health awareness: how much this node trusts its own timeouts.
 *
 * A node that is slow (CPU starved, long GC, blocked event loop) misses acks that did arrive
 * and then wrongly suspects healthy members. It can notice this about itself: its indirect
 * probers stay silent (no nack even though they are alive), it has to refute suspicions about
 * itself, or the shell reports event-loop lag. The multiplier rises on such signs and falls on
 * every successful probe; probe interval and probe timeout are stretched by (1 + multiplier),
 * so a sick node probes less and waits longer before it accuses anyone.
 *
 * Lag at or above the threshold also opens a "distrust" window: a probe that fails while it is
 * open is inconclusive, so a busy node never starts a suspicion on the strength of its own
 * sluggishness.
 */
export class LocalHealth {
  /** From probe outcomes and refutations. */
  private probeScore = 0;
  /** From the last lag report: ceil(lag / threshold). */
  private lagScore = 0;
  private distrustUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly max: number,
    private readonly lagThresholdMs: number,
  ) {}

  multiplier(): number {
    return Math.min(this.max, this.probeScore + this.lagScore);
  }

  /** A duration stretched by the current health. */
  scale(ms: number): number {
    return ms * (1 + this.multiplier());
  }

  /** +n for missed nacks or a refutation, -1 for a successful probe. */
  adjust(delta: number): void {
    this.probeScore = Math.max(0, Math.min(this.max, this.probeScore + delta));
  }

  /**
   * Event-loop lag seen by the shell (or a late tick seen by the core). `windowMs` is how long
   * after the report this node's own failed probes do not count.
   */
  reportLag(lagMs: number, now: number, windowMs: number): void {
    if (lagMs >= this.lagThresholdMs) {
      this.lagScore = Math.min(this.max, Math.ceil(lagMs / this.lagThresholdMs));
      this.distrustUntil = Math.max(this.distrustUntil, now + windowMs);
    } else {
      this.lagScore = Math.max(0, this.lagScore - 1);
    }
  }

  distrusts(now: number): boolean {
    return now < this.distrustUntil;
  }
}
