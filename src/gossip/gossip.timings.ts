/** Timings of the peer exchange for each --gossip-profile. `local` is for tests on loopback. */
import type { GossipProfile } from '../config/node-config';

export interface ExchangeTimings {
  /** How often a node exchanges member lists with one other member. */
  intervalMs: number;
  /** Deadline for one exchange. */
  requestTimeoutMs: number;
  /** Retry delay after a failed contact; doubles per failure up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Failed contacts in a row before a member is considered dead. */
  deadAfterFailures: number;
  /** How long `leave` waits for its announcement to go out. */
  leaveTimeoutMs: number;
}

export const EXCHANGE_TIMINGS: Record<GossipProfile, ExchangeTimings> = {
  lan: { intervalMs: 1000, requestTimeoutMs: 2000, baseBackoffMs: 1000, maxBackoffMs: 30_000, deadAfterFailures: 3, leaveTimeoutMs: 1500 },
  local: { intervalMs: 200, requestTimeoutMs: 1000, baseBackoffMs: 200, maxBackoffMs: 5_000, deadAfterFailures: 3, leaveTimeoutMs: 1000 },
};
