/**
 * Suspicion timeout maths (Lifeguard, "Dogpile"), pure and table-tested.
 *
 * A suspect member is declared dead when its suspicion timer runs out. The timer starts at
 * `max` and shrinks toward `min` as other members independently suspect the same member
 * (confirmations), because each independent failed probe makes a real failure likelier:
 *
 *   scale   = max(1, log10(max(N, 1)))          N = live members including ourselves
 *   min     = suspicionMult * scale * probeInterval
 *   max     = suspicionMaxMult * min
 *   K       = min(suspicionConfirmations, N - 2)   (no more distinct suspectors can exist)
 *   timeout = max(min, max - (max - min) * log(C + 1) / log(K + 1))    C = confirmations so far
 *
 * The floor of 1 on the log scale keeps small clusters (N < 10) from getting a timeout shorter
 * than suspicionMult probe intervals: log10(2) would allow a 0.3-interval suspicion.
 */
import type { SwimConfig } from '../gossip.presets';

export interface SuspicionBounds {
  minMs: number;
  maxMs: number;
  /** Confirmations that bring the timeout down to minMs. */
  k: number;
}

export function suspicionBounds(config: Pick<SwimConfig, 'suspicionMult' | 'suspicionMaxMult' | 'probeIntervalMs' | 'suspicionConfirmations'>, n: number): SuspicionBounds {
  const scale = Math.max(1, Math.log10(Math.max(n, 1)));
  const minMs = config.suspicionMult * scale * config.probeIntervalMs;
  return { minMs, maxMs: config.suspicionMaxMult * minMs, k: Math.max(0, Math.min(config.suspicionConfirmations, n - 2)) };
}

/** The timeout after `confirmations` independent suspectors besides the first. */
export function suspicionTimeout(bounds: SuspicionBounds, confirmations: number): number {
  const { minMs, maxMs, k } = bounds;
  if (k < 1 || confirmations >= k) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  return Math.max(minMs, Math.floor(maxMs - (maxMs - minMs) * frac));
}

/**
 * One running suspicion: who started it, who confirmed it, when it expires. The deadline is
 * measured from when this node first suspected, so late confirmations shorten what is left.
 */
export class Suspicion {
  /** Distinct suspectors, the first included; no need to remember more than k + 1 of them. */
  private readonly suspectors: string[] = [];
  private deadline: number;
  /** Set by postpone(): no expiry before this, whatever the confirmations say. */
  private notBefore = 0;

  constructor(
    readonly incarnation: number,
    readonly startedAt: number,
    firstSuspector: string,
    private readonly bounds: SuspicionBounds,
  ) {
    this.suspectors.push(firstSuspector);
    this.deadline = startedAt + suspicionTimeout(bounds, 0);
  }

  /** Records an independent suspector. True when it was new (worth re-gossiping). */
  confirm(suspector: string): boolean {
    if (this.suspectors.length > this.bounds.k || this.suspectors.includes(suspector)) return false;
    this.suspectors.push(suspector);
    this.deadline = Math.max(this.notBefore, this.startedAt + suspicionTimeout(this.bounds, this.confirmations()));
    return true;
  }

  confirmations(): number {
    return this.suspectors.length - 1;
  }

  expiresAt(): number {
    return this.deadline;
  }

  /** After a stall of our own, give refutations that may be waiting in our inbox a chance. */
  postpone(until: number): void {
    this.notBefore = Math.max(this.notBefore, until);
    this.deadline = Math.max(this.deadline, until);
  }
}
