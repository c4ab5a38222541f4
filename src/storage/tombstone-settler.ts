/**
 * Tombstones held here that anti-entropy's digests do not carry to where they are needed:
 *   - a tombstone of a key not placed on this node (the delete's coordinator, or a node the
 *     key moved away from) is given to every placed holder that lacks it, then dropped here;
 *   - a tombstone older than --tombstone-ttl (counted from its version's time, not from when
 *     it arrived here) is dropped only once every placed holder has it or holds nothing it
 *     would delete. A placed holder that is down, cut off or quarantined cannot confirm, so the
 *     tombstone is kept until it comes back and is given it: a node away for longer than the
 *     ttl still learns of the deletes it missed, and nothing has to be inferred from absence.
 * Placed holders are the ones placement picks over every known member that has not left
 * (placed-settle.ts, shared with the abort records). At most TOMBSTONES_PER_ROUND tombstones
 * are settled per round, to bound a round's work.
 *
 * A round reads only what may be due, never every tombstone held: the expired ones are a range
 * of the version index, and the ones of keys placed elsewhere are kept here from round to round,
 * brought up to date from the keys written since (write-lock.ts changedSince). All are read
 * again only at the first round, when the placement members change, or when the writes since
 * are not known.
 */
import { Inject, Injectable } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { TombstoneRecord, TombstoneRepository } from '../peer-repository/tombstone.repository';
import { NodeIdentity } from '../transport/node-identity';
import { placeKey } from './placement';
import { PlacedSettle } from './placed-settle';
import { ReplicaRouter } from './replica-router';
import { ManifestReport } from './storage.types';
import { compareVersions, parseVersion, versionFloor } from './version';

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

type DueTombstone = TombstoneRecord & { expired: boolean };

/** The tombstones of keys placed elsewhere as of a round: the members and the write count they were read at. */
interface PlacedAway {
  members: string;
  generation: number;
  records: Map<string, TombstoneRecord>;
}

@Injectable()
export class TombstoneSettler {
  private readonly settler = new PlacedSettle<DueTombstone>(TOMBSTONES_PER_ROUND, {
    settleAt: (holder, t) => this.settleAt(holder, t),
    drop: (t) => this.tombstones.drop(t.key, t.version),
    describe: (t) => `tombstone of "${t.key}"`,
  });
  private away?: PlacedAway;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly membership: MembershipService,
    private readonly tombstones: TombstoneRepository,
    private readonly router: ReplicaRouter,
  ) {}

  /** One bounded pass; returns how many tombstones were dropped here. */
  async settle(now = Date.now()): Promise<number> {
    const away = await this.placedElsewhere();
    const due = new Map<string, DueTombstone>();
    for (const t of await this.tombstones.versionsBelow(versionFloor(now - this.config.tombstoneTtlMs))) due.set(t.key, { ...t, expired: true });
    for (const t of away.values()) if (!due.has(t.key)) due.set(t.key, { ...t, expired: tombstoneExpired(t.version, now, this.config.tombstoneTtlMs) });
    const ordered = [...due.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.settler.pass(ordered, this.membership, this.identity.nodeId, this.config.replicas);
  }

  /** The tombstones held of keys that placement (over --repair-grace) does not give this node. */
  private async placedElsewhere(): Promise<Map<string, TombstoneRecord>> {
    const repair = this.membership.repairPlacementIds(this.config.repairGraceMs);
    const self = this.identity.nodeId;
    const members = [...new Set(repair)].sort().join(',');
    const elsewhere = (t: TombstoneRecord) => !placeKey(t.key, repair, this.config.replicas).includes(self);
    // Taken before reading: a write that finishes meanwhile is read again next round.
    const generation = this.tombstones.generation();
    const changed = this.away?.members === members ? this.tombstones.changedSince(this.away.generation) : undefined;
    let records: Map<string, TombstoneRecord>;
    if (!this.away || !changed) {
      records = new Map((await this.tombstones.list()).filter(elsewhere).map((t) => [t.key, t]));
    } else {
      records = this.away.records;
      const written = [...changed];
      for (const key of written) records.delete(key);
      for (const t of await this.tombstones.getMany(written)) if (elsewhere(t)) records.set(t.key, t);
    }
    this.away = { members, generation, records };
    return records;
  }

  /** Settled once `holder` has the tombstone or needs none. */
  private async settleAt(holder: string, t: DueTombstone): Promise<true> {
    const need = holderNeed(await this.router.report(holder, t.key), t.version, t.expired);
    if (need === 'needs') await this.router.tombstone(holder, t.key, t.version);
    return true;
  }
}
