import type { GossipProfile } from '../config/node-config';

/** How often a node runs an anti-entropy round with one random member, per profile. */
export const SYNC_INTERVAL_MS: Record<GossipProfile, number> = { lan: 5_000, local: 500 };
/** Keys a node hands off (or checks for handoff) per round, to bound one round's work. */
export const HANDOFF_KEYS_PER_ROUND = 50;
/** How often stored chunks are re-hashed by the scrubber, and how many per pass. */
export const SCRUB_INTERVAL_MS: Record<GossipProfile, number> = { lan: 10_000, local: 1_000 };
export const SCRUB_CHUNKS_PER_PASS = 8;
/** Unreferenced chunks younger than this may belong to an upload in progress: they are kept. */
export const ORPHAN_AGE_MS = 24 * 3_600_000;
