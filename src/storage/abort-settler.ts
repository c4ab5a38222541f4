/**
 * Abort records (the versions of failed stores) outlive the failure only as long as some node
 * may still hold such a version:
 *   - every node keeps every abort it learns of, and anti-entropy gives each to every member
 *     (aborts are few: one per failed store), so a holder that was down or cut off during the
 *     rollback removes the version when it returns, and a reader passes over it meanwhile;
 *   - an abort older than --tombstone-ttl (by its version's time) is dropped only once every
 *     placed holder over the known members is up and has it or does not hold that version (the
 *     tombstones' rule, placed-settle.ts): a holder away longer than the ttl still learns it.
 * Each pass also frees the replaced versions kept for an abort (previous-version.ts) whose
 * store's outcome never arrived within PREVIOUS_HOLD_MS (a version that arrives marked settled
 * keeps nothing aside: see FileManifest.settled).
 */
import { Inject, Injectable } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { AbortRecord, StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { NodeIdentity } from '../transport/node-identity';
import { LocalReplica } from './local-replica';
import { PlacedSettle } from './placed-settle';
import { ReplicaRouter } from './replica-router';
import { versionFloor } from './version';

export const ABORTS_PER_ROUND = 50;
/**
 * How long a holder keeps the version a commit replaced when it never hears the store's
 * outcome: far longer than a store's commit and its rollback take, short enough that an
 * overwrite does not hold twice the disk for long.
 */
export const PREVIOUS_HOLD_MS = 10 * 60_000;

@Injectable()
export class AbortSettler {
  private readonly settler = new PlacedSettle<AbortRecord>(ABORTS_PER_ROUND, {
    settleAt: (holder, a) => this.settleAt(holder, a),
    drop: (a) => this.outcomes.drop(a.key, a.version),
    describe: (a) => `abort of "${a.key}" at ${a.version}`,
  });

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly membership: MembershipService,
    private readonly outcomes: StoreOutcomeRepository,
    private readonly router: ReplicaRouter,
    private readonly local: LocalReplica,
  ) {}

  /** One bounded pass; returns how many abort records were dropped here. */
  async settle(now = Date.now()): Promise<number> {
    await this.local.expirePrevious(now - PREVIOUS_HOLD_MS);
    // Only the expired ones are due: a range of the version index, not every abort held.
    const due = await this.outcomes.versionsBelow(versionFloor(now - this.config.tombstoneTtlMs));
    return this.settler.pass(due, this.membership, this.identity.nodeId, this.config.replicas);
  }

  /** Settled once `holder` has the abort or does not hold the aborted version. */
  private async settleAt(holder: string, a: AbortRecord): Promise<true> {
    const report = await this.router.report(holder, a.key);
    if (!report.aborted?.includes(a.version) && report.manifest?.version === a.version) await this.router.abort(holder, a.key, a.version);
    return true;
  }
}
