/**
 * A log line per refusal, at a bounded rate: a flood of hostile connections or lying messages
 * must not turn into a flood of log lines (disk, journald, the CPU to format them). Up to
 * `burst` lines are written per `windowMs`; the rest are counted, and the first line written in
 * a later window says how many were left out. No timer: an idle limiter costs nothing.
 */
import { Clock, systemClock } from './clock';

export class RateLimitedLog {
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly burst = 10,
    private readonly windowMs = 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Writes `line` unless this window's budget is spent; returns whether it was written. */
  note(line: string): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written >= this.burst) {
      this.suppressed += 1;
      return false;
    }
    this.written += 1;
    const left = this.suppressed;
    this.suppressed = 0;
    this.write(left ? `${line} (${left} similar lines left out before this one)` : line);
    return true;
  }
}
