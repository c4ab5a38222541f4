/**
 * How high an incarnation another node may tell us about.
 *
 * Only a member raises its own incarnation: a node starts at its clock in seconds and adds one
 * per refutation, leave or move. An incarnation far beyond that is a lie, and an unbounded one
 * breaks SWIM for good: "dead at 2^53 - 1" can only be refuted at 2^53, which no longer fits a
 * safe integer, so the wire check drops the refutation and the member stays dead everywhere.
 *
 * So news is believed only up to a ceiling that moves with the receiver's clock: the clock in
 * seconds plus INCARNATION_LEAD_S (the clock skew tolerated between members, the same hour as
 * for versions). Accusations (suspect, dead, left) stop REFUTATION_ROOM below the ceiling for
 * "alive", so the accused's answer to the highest accusation we accept is itself accepted:
 * a refutation never goes past what the others believe. A poisoner can push a member to the
 * ceiling, never past it, and the ceiling keeps moving, so nothing it does is permanent.
 */
import { MemberState } from './member';

export const INCARNATION_LEAD_S = 60 * 60;
/** Headroom kept above the highest believable accusation for the accused's refutations. */
export const REFUTATION_ROOM = 60;

/** The highest incarnation at which news in `state` is believed at `now` (ms). */
export function incarnationCeiling(state: MemberState, now: number): number {
  const accusations = Math.floor(now / 1000) + INCARNATION_LEAD_S;
  return state === 'alive' ? accusations + REFUTATION_ROOM : accusations;
}

export function isBelievableIncarnation(news: { state: MemberState; incarnation: number }, now: number): boolean {
  return news.incarnation <= incarnationCeiling(news.state, now);
}
