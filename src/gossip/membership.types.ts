/** What the rest of the node reads about the cluster's members. */
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

export interface MemberView {
  nodeId: string;
  address: string;
  status: MemberStatus;
  incarnation: number;
  /** Milliseconds since the epoch of the last time this node heard from it (directly or not). */
  lastSeen: number;
}

export type MembershipEventType = 'joined' | 'alive' | 'suspect' | 'dead' | 'left' | 'recovered' | 'updated';

export interface MembershipChange {
  type: MembershipEventType;
  member: MemberView;
}

export const MEMBERSHIP_CHANGE = 'membership.change';
