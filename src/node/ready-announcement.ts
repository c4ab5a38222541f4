/**
 * The node's "ready:" line, which supervisors, scripts and the test harness wait for. A node
 * that every bootstrap peer refused (another cluster secret or id) is not ready: it says so
 * once, as an error naming the peers and the reason, keeps trying, and prints the ready line
 * if it joins later. Both lines carry the node's addresses, so a harness reads them from either.
 */
import { Logger } from '@nestjs/common';
import { MembershipService } from '../gossip/membership.service';
import { MEMBERSHIP_CHANGE } from '../gossip/membership.types';

export function announceReadiness(log: Logger, membership: MembershipService, addresses: string): void {
  const refusal = membership.refusedByEveryBootstrap();
  if (!refusal) {
    log.log(`ready: ${addresses}`);
    return;
  }
  log.error(
    `not ready: ${addresses}: every bootstrap peer refused this node's handshake (${refusal}); ` +
      'its --cluster-secret (P2P_CLUSTER_SECRET) and --cluster-id must match theirs. Still trying; the ready line follows if it joins',
  );
  const joined = () => {
    if (membership.alive().length === 0) return;
    membership.changes.off(MEMBERSHIP_CHANGE, joined);
    log.log(`ready: ${addresses}`);
  };
  membership.changes.on(MEMBERSHIP_CHANGE, joined);
}
