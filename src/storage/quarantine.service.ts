/**
 * Quarantine: a node that had no clean anti-entropy round for longer than --tombstone-ttl
 * (down, asleep, SIGSTOPped, cut off) may hold files that were deleted meanwhile. It is
 * quarantined: not ready, it serves no client and answers no lookup, and in anti-entropy it
 * only pulls (it pushes nothing, and members that are not quarantined take nothing from it).
 * This is decided at start from the `last_sync_at` it recorded, and again at run time before
 * every round, every digest it answers and every client request, so a node that wakes up
 * stale quarantines itself before it pushes anything.
 *
 * Quarantine never deletes anything: a manifest goes only for a newer tombstone, never because
 * a peer lacks it (tombstones are kept until every placed holder has them, see
 * tombstone-settler.ts). It is lifted after a clean round with every alive member, or at once
 * when no other member is up (a lone node has nobody to reconcile with). When every member is
 * quarantined (a whole cluster restarted after the ttl) they pull from each other, the newest
 * version or a newer tombstone winning, and are released: nothing is dropped.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { ExitCode, P2pError } from '../common/errors';
import { FileRepository } from '../peer-repository/file.repository';
import { NodeMetaRepository } from '../peer-repository/node-meta.repository';
import { NodeStatus } from '../node/node-status';

const LAST_SYNC = 'last_sync_at';
/** Writing the sync time on every round would be churn; once in a while is enough. */
const RECORD_EVERY_MS = 10_000;

export class NodeQuarantinedError extends P2pError {
  constructor() {
    super('this node is quarantined while it reconciles after a long absence; ask another node', 'QUARANTINED', ExitCode.unavailable);
  }
}

@Injectable()
export class QuarantineService {
  private readonly synced = new Set<string>();
  private lastRecorded = 0;
  /** When this node last knew itself up to date: its last clean round, or when it was alone. */
  private lastClean = Date.now();
  private readonly logger = new Logger('Quarantine');

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly status: NodeStatus,
    private readonly meta: NodeMetaRepository,
    private readonly files: FileRepository,
  ) {}

  /** Whether this node is quarantined now; first quarantines it if it has gone stale. */
  get active(): boolean {
    this.checkStale();
    return this.status.quarantined;
  }

  /** Decides at start whether this node must reconcile before it serves. */
  async evaluateAtStart(now = Date.now()): Promise<boolean> {
    const last = Number(await this.meta.get(LAST_SYNC));
    const holdsData = (await this.files.count()) > 0;
    const stale = !Number.isFinite(last) || last === 0 || now - last > this.config.tombstoneTtlMs;
    this.status.quarantined = holdsData && stale;
    if (this.status.quarantined) {
      const ago = last ? `${Math.round((now - last) / 1000)} s ago` : 'never';
      this.logger.warn(`last sync ${ago}, longer than --tombstone-ttl: quarantined until reconciled with every member`);
    } else {
      this.lastClean = holdsData && last > 0 ? last : now;
      await this.record(now);
    }
    return this.status.quarantined;
  }

  /** Quarantines a running node whose last clean round is older than the ttl. */
  checkStale(now = Date.now()): void {
    if (this.status.quarantined || now - this.lastClean <= this.config.tombstoneTtlMs) return;
    this.status.quarantined = true;
    this.synced.clear();
    const ago = Math.round((now - this.lastClean) / 1000);
    this.logger.warn(`no clean anti-entropy round for ${ago} s, longer than --tombstone-ttl: quarantined until reconciled with every member`);
  }

  /** Peers this node still has to complete a round with before it is released. */
  pending(aliveIds: string[]): string[] {
    return aliveIds.filter((id) => !this.synced.has(id));
  }

  /** A round with `peer` completed without a failed pull: this node knows what `peer` knows. */
  async roundCompleted(peer: string, aliveIds: string[], now = Date.now()): Promise<void> {
    this.synced.add(peer);
    this.lastClean = now;
    if (this.status.quarantined && this.pending(aliveIds).length === 0) {
      await this.release(`reconciled with all ${aliveIds.length} member(s)`, now);
      return;
    }
    if (!this.status.quarantined) await this.record(now);
  }

  /** No other member is up: there is nobody to reconcile with, and nothing to be behind. */
  async alone(now = Date.now()): Promise<void> {
    this.lastClean = now;
    if (this.status.quarantined) await this.release('no other member is up', now);
    else await this.record(now);
  }

  /** Throws when quarantined (for handlers that serve clients or answer lookups). */
  assertServing(): void {
    if (this.active) throw new NodeQuarantinedError();
  }

  private async release(why: string, now: number): Promise<void> {
    this.status.quarantined = false;
    this.logger.log(`${why}: quarantine lifted`);
    await this.record(now, true);
  }

  private async record(now: number, force = false): Promise<void> {
    if (!force && now - this.lastRecorded < RECORD_EVERY_MS) return;
    this.lastRecorded = now;
    await this.meta.set(LAST_SYNC, String(now));
  }
}
