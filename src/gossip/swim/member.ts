/**
 * A member as one node sees it, and the rule that orders news about a member.
 *
 * News about a member is ordered by the member's own incarnation number, which only the
 * member itself raises (to refute a suspicion, to come back after a restart, to leave). At
 * equal incarnation the states rank alive < suspect < dead < left: anyone may suspect or
 * declare a member dead at the incarnation they know, and only a higher incarnation from the
 * member itself undoes that. "left" is said by the member itself and is final for its
 * incarnation, so a departed member is never turned into a dead one.
 */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

export interface Member {
  nodeId: string;
  /** host:port others dial. */
  address: string;
  state: MemberState;
  incarnation: number;
  /** When this node last saw the member change state, incarnation or address (its own clock). */
  lastChange: number;
}

/** One piece of news about a member, as carried by messages and the broadcast queue. */
export interface MemberUpdate {
  nodeId: string;
  address: string;
  state: MemberState;
  incarnation: number;
  /** For suspect and dead: the node that reached that judgement (counted as a confirmation). */
  from?: string;
  /**
   * SHA-256 (hex) of the member's TLS key as the sender has it pinned (member-keys.ts). Set by
   * the sending shell, not by the core, which carries it along untouched.
   */
  fingerprint?: string;
}

export const STATE_RANK: Readonly<Record<MemberState, number>> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** True when `update` is newer news than what we hold (`known`); false for stale or equal news. */
export function supersedes(update: Pick<MemberUpdate, 'state' | 'incarnation'>, known: Pick<Member, 'state' | 'incarnation'>): boolean {
  if (update.incarnation !== known.incarnation) return update.incarnation > known.incarnation;
  return STATE_RANK[update.state] > STATE_RANK[known.state];
}

/** Members that take part: probed, asked to probe, counted in N. */
export function isLive(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect';
}

export function toUpdate(member: Member, from?: string): MemberUpdate {
  const update: MemberUpdate = { nodeId: member.nodeId, address: member.address, state: member.state, incarnation: member.incarnation };
  if (from !== undefined) update.from = from;
  return update;
}
