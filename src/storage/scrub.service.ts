/**
 * Scrub: a background pass that re-reads a few stored chunks per interval and checks their
 * hashes (ChunkStore.get moves a damaged file aside, so it is never served). A chunk found
 * damaged, or missing while a held manifest needs it, is fetched again from another holder
 * of a file that uses it, verified, and written back.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { describeError } from '../common/errors';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { FileRepository } from '../peer-repository/file.repository';
import { ShareRepository } from '../peer-repository/share.repository';
import { LocalReplica } from './local-replica';
import { placeKey } from './placement';
import { ReplicaRouter } from './replica-router';
import { ChunkCorruptError, ChunkNotFoundError } from './storage.errors';
import { SCRUB_CHUNKS_PER_PASS, SCRUB_INTERVAL_MS } from './sync-timings';

@Injectable()
export class ScrubService implements OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private stopped = false;
  private readonly logger = new Logger('Scrub');
  /** Told about every damaged chunk found and every repair (metrics). */
  onCorrupt: ((hash: string) => void) | undefined;
  onRepair: ((hash: string, ok: boolean) => void) | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly local: LocalReplica,
    private readonly files: FileRepository,
    private readonly shares: ShareRepository,
    private readonly membership: MembershipService,
    private readonly router: ReplicaRouter,
  ) {}

  start(): void {
    this.schedule();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Checks the next few chunks of the held manifests; returns how many were damaged or missing. */
  async pass(limit = SCRUB_CHUNKS_PER_PASS): Promise<number> {
    const needed = [...(await this.files.referencedChunkHashes())].sort();
    if (needed.length === 0) return 0;
    let bad = 0;
    for (let i = 0; i < Math.min(limit, needed.length); i++) {
      const hash = needed[(this.cursor + i) % needed.length];
      try {
        await this.local.getChunk(hash);
      } catch (err) {
        if (!(err instanceof ChunkCorruptError) && !(err instanceof ChunkNotFoundError)) throw err;
        bad += 1;
        if (err instanceof ChunkCorruptError) {
          this.logger.warn(`chunk ${hash.slice(0, 16)}… failed its hash check; restoring it from another holder`);
          this.onCorrupt?.(hash);
        }
        await this.restore(hash);
      }
    }
    this.cursor = (this.cursor + limit) % needed.length;
    return bad;
  }

  /** Fetches a verified copy of `hash` from a holder of a file that uses it. */
  async restore(hash: string): Promise<boolean> {
    const manifests = (await this.files.list()).filter((m) => m.chunks.includes(hash));
    const candidates = new Set<string>();
    for (const m of manifests) {
      for (const s of await this.shares.forKey(m.key)) candidates.add(s.nodeId);
      for (const id of placeKey(m.key, this.membership.placementIds(), this.config.replicas)) candidates.add(id);
    }
    for (const nodeId of candidates) {
      if (this.router.isSelf(nodeId)) continue;
      try {
        const data = await this.router.getChunk(nodeId, hash);
        await this.local.putChunk(hash, data);
        this.logger.log(`chunk ${hash.slice(0, 16)}… restored from ${this.membership.addressOf(nodeId) ?? nodeId}`);
        this.onRepair?.(hash, true);
        return true;
      } catch (err) {
        this.logger.debug(`restore of ${hash.slice(0, 16)}… from ${nodeId.slice(0, 8)} failed: ${describeError(err)}`);
      }
    }
    this.onRepair?.(hash, false);
    return false;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass()
        .catch((err) => this.logger.warn(`scrub pass failed: ${describeError(err)}`))
        .finally(() => this.schedule());
    }, SCRUB_INTERVAL_MS[this.config.gossipProfile]);
    this.timer.unref();
  }
}
