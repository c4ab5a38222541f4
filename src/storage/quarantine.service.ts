/**
 * Quarantine: a node that was away longer than --tombstone-ttl may hold files that were
 * deleted while it was gone, whose tombstones have since expired everywhere else. Such a node
 * starts quarantined: not ready, it serves no client and answers no lookup, and in
 * anti-entropy it only pulls (peers push to it; it never pushes). Once it has completed a round
 * with every alive member it is released. Every successful round records `last_sync_at`.
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
  private readonly logger = new Logger('Quarantine');

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly status: NodeStatus,
    private readonly meta: NodeMetaRepository,
    private readonly files: FileRepository,
  ) {}

  get active(): boolean {
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
      await this.record(now);
    }
    return this.status.quarantined;
  }

  /** Peers this node still has to complete a round with before it is released. */
  pending(aliveIds: string[]): string[] {
    return aliveIds.filter((id) => !this.synced.has(id));
  }

  /** A round with `peer` completed without failures. */
  async roundCompleted(peer: string, aliveIds: string[], now = Date.now()): Promise<void> {
    this.synced.add(peer);
    if (this.status.quarantined && this.pending(aliveIds).length === 0) {
      this.status.quarantined = false;
      this.logger.log(`reconciled with all ${aliveIds.length} member(s): quarantine lifted`);
      await this.record(now, true);
      return;
    }
    if (!this.status.quarantined) await this.record(now);
  }

  /** Throws when quarantined (for handlers that serve clients or answer lookups). */
  assertServing(): void {
    if (this.status.quarantined) throw new NodeQuarantinedError();
  }

  private async record(now: number, force = false): Promise<void> {
    if (!force && now - this.lastRecorded < RECORD_EVERY_MS) return;
    this.lastRecorded = now;
    await this.meta.set(LAST_SYNC, String(now));
  }
}
