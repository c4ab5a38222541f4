/** What every call into the SWIM state machine hands back to its shell. */
import { Member } from './member';
import { SwimMessage } from './messages';

export interface MembershipEvent {
  type: 'joined' | 'suspect' | 'alive' | 'recovered' | 'dead' | 'left' | 'updated';
  member: Member;
}

export interface OutgoingMessage {
  /** host:port to dial. */
  to: string;
  /** Set when the receiver's node id is known (a seed's is not). */
  toNodeId?: string;
  message: SwimMessage;
}

export interface SwimOutput {
  send: OutgoingMessage[];
  events: MembershipEvent[];
}

export function emptyOutput(): SwimOutput {
  return { send: [], events: [] };
}
