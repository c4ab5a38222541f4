/**
 * Tombstones held here that anti-entropy's digests do not carry to where they are needed:
 *   - a tombstone of a key not placed on this node (the delete's coordinator, or a node the
 *     key moved away from) is given to every placed holder that lacks it, then dropped here;
 *   - a tombstone older than --tombstone-ttl (counted from its version's time, not from when
 *     it arrived here) is dropped only once every placed holder has it or holds nothing it
 *     would delete. A placed holder that is down, cut off or quarantined cannot confirm, so the
 *     tombstone is kept until it comes back and is given it: a node away for longer than the
 *     ttl still learns of the deletes it missed, and nothing has to be inferred from absence.
 * Placed holders are the ones placement picks over every known member that has not left.
 * At most TOMBSTONES_PER_ROUND tombstones are settled per round, to bound a round's work.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '../common/errors';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { TombstoneRecord, TombstoneRepository } from '../peer-repository/tombstone.repository';
import { NodeIdentity } from '../transport/node-identity';
import { placeKey } from './placement';
import { ReplicaRouter } from './replica-router';
import { RoundRobin } from './round-robin';
import { ManifestReport } from './storage.types';
import { compareVersions, parseVersion } from './version';

export const TOMBSTONES_PER_ROUND = 50;

/** Whether a tombstone's delete happened longer than `ttlMs` before `now` (by its version's time). */
export function tombstoneExpired(version: string, now: number, ttlMs: number): boolean {
  return parseVersion(version).ms < now - ttlMs;
}

/**
 * What a holder's report means for a tombstone: `has` it (or a newer one), `needs` it (it holds
 * an older manifest, or the tombstone is still live and it lacks it), or is `clear` (an expired
 * tombstone has nothing left to delete there).
 */
export function holderNeed(report: ManifestReport, version: string, expired: boolean): 'has' | 'needs' | 'clear' {
  if (report.tombstone && compareVersions(report.tombstone.version, version) >= 0) return 'has';
  const older = report.manifest !== null && compareVersions(report.manifest.version, version) < 0;
  return older || !expired ? 'needs' : 'clear';
}

@Injectable()
export class TombstoneSettler {
  private readonly logger = new Logger('AntiEntropy');
  private readonly batches = new RoundRobin();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly membership: MembershipService,
    private readonly tombstones: TombstoneRepository,
    private readonly router: ReplicaRouter,
  ) {}

  /** One bounded pass; returns how many tombstones were dropped here. */
  async settle(now = Date.now()): Promise<number> {
    const known = this.membership.knownIds();
    const up = new Set(this.membership.upIds());
    const repair = this.membership.repairPlacementIds(this.config.repairGraceMs);
    const self = this.identity.nodeId;
    const due = (await this.tombstones.list())
      .map((t) => ({ t, expired: tombstoneExpired(t.version, now, this.config.tombstoneTtlMs) }))
      .filter(({ t, expired }) => expired || !placeKey(t.key, repair, this.config.replicas).includes(self));
    const batch = this.batches.take(due, TOMBSTONES_PER_ROUND);
    const dropped = await Promise.all(
      batch.map(async ({ t, expired }) => {
        const holders = placeKey(t.key, known, this.config.replicas).filter((id) => id !== self);
        // A holder known to be down is not asked (it would only time out) and cannot confirm.
        const settled = await Promise.all(holders.map((h) => up.has(h) && this.settleAt(h, t, expired)));
        return settled.every(Boolean) && this.tombstones.drop(t.key, t.version);
      }),
    );
    return dropped.filter(Boolean).length;
  }

  /** True once `holder` has the tombstone or needs none. */
  private async settleAt(holder: string, t: TombstoneRecord, expired: boolean): Promise<boolean> {
    try {
      const need = holderNeed(await this.router.report(holder, t.key), t.version, expired);
      if (need === 'needs') await this.router.tombstone(holder, t.key, t.version);
      return true;
    } catch (err) {
      this.logger.debug(`tombstone of "${t.key}" not settled at ${holder.slice(0, 8)}: ${describeError(err)}`);
      return false;
    }
  }
}
