/**
 * Interval maths that depends on cluster size, pure and table-tested.
 *
 * A push-pull moves the whole member list, so its cost grows with N on both ends; like
 * memberlist, the interval stays at its configured value up to 32 members and then grows with
 * log2(N / 32): 64 members double it, 1,000 members multiply it by 6, 10,000 by 10. Gossip,
 * not push-pull, is what spreads news quickly; push-pull only repairs.
 */
import type { SwimConfig } from '../gossip.presets';

/** Up to this many members a full member list is cheap to send. */
export const SMALL_CLUSTER = 32;

export function pushPullInterval(config: Pick<SwimConfig, 'pushPullIntervalMs'>, n: number): number {
  if (n <= SMALL_CLUSTER) return config.pushPullIntervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(SMALL_CLUSTER)) + 1;
  return config.pushPullIntervalMs * multiplier;
}
