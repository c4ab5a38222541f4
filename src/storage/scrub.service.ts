/**
 * Scrub: a background pass that re-reads a few stored chunks per interval and checks their
 * hashes (ChunkStore.get moves a damaged file aside, so it is never served). A chunk found
 * damaged, or missing while a held manifest needs it, is fetched again from another holder
 * of a file that uses it, verified, and written back.
 *
 * A pass walks the chunk table's hash index from a cursor (a few rows per pass, whatever the
 * size of the store). It also sweeps orphans, a bounded step per pass: chunks no manifest
 * references (left by uploads that never committed) are deleted once they are older than
 * ORPHAN_AGE_MS, far beyond any upload, and not pinned by one (chunk-guard.ts). Chunks freed by
 * a delete or an overwrite do not wait for the sweep: they go at once (LocalReplica).
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
import { ORPHAN_AGE_MS, SCRUB_CHUNKS_PER_PASS, SCRUB_INTERVAL_MS } from './sync-timings';
/** Chunk files the orphan sweep looks at per scrub pass (100,000 chunks: once round in about an hour on lan). */
const ORPHAN_SWEEP_CHUNKS_PER_STEP = 256;
/** Prefix folders it reads per pass at most (empty ones cost a readdir each). */
const ORPHAN_SWEEP_FOLDERS_PER_STEP = 16;

@Injectable()
export class ScrubService implements OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  /** The last chunk hash checked: the next pass goes on after it in hash order. */
  private cursor = '';
  /** Where the orphan sweep is: the prefix folder it is in and the names of it still to look at. */
  private readonly sweep = { prefix: -1, pending: [] as string[] };
  private stopped = false;
  private readonly logger = new Logger('Scrub');
  /** Told about every damaged chunk found and every repair (metrics). */
  onCorrupt: ((hash: string) => void) | undefined;
  onRepair: ((hash: string, ok: boolean) => void) | undefined;
  /** Told how long each pass took (re-hashing and one sweep step), for metrics. */
  onPass: ((kind: 'pass', seconds: number) => void) | undefined;

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

  /**
   * One step of the orphan sweep: looks at the next ORPHAN_SWEEP_CHUNKS_PER_STEP chunk files
   * (reading at most ORPHAN_SWEEP_FOLDERS_PER_STEP prefix folders), going on where the last
   * step stopped and round the 256 folders again, and deletes those that no held manifest
   * references, that no store has pinned and that were written longer than `minAgeMs` ago.
   * Each scrub pass takes one step, so the work per pass is bounded whatever the store's size.
   * Returns how many were deleted.
   */
  async sweepOrphans(minAgeMs = ORPHAN_AGE_MS, now = Date.now()): Promise<number> {
    let deleted = 0;
    let looked = 0;
    for (let folders = 0; looked < ORPHAN_SWEEP_CHUNKS_PER_STEP; ) {
      if (this.sweep.pending.length === 0) {
        if (folders++ >= ORPHAN_SWEEP_FOLDERS_PER_STEP) break;
        this.sweep.prefix = (this.sweep.prefix + 1) % 256;
        this.sweep.pending = await this.local.chunks.listPrefix(this.sweep.prefix.toString(16).padStart(2, '0'));
        continue;
      }
      const hash = this.sweep.pending.pop() as string;
      looked += 1;
      const at = await this.local.chunks.writtenAt(hash);
      if (at === undefined || now - at < minAgeMs) continue;
      deleted += await this.local.collectGarbage([hash]);
    }
    if (deleted) this.logger.log(`swept ${deleted} orphan chunk(s) older than ${Math.round(minAgeMs / 3_600_000)} h`);
    return deleted;
  }

  /** Checks the next few chunks of the held manifests; returns how many were damaged or missing. */
  async pass(limit = SCRUB_CHUNKS_PER_PASS): Promise<number> {
    let batch = await this.files.referencedHashesAfter(this.cursor, limit);
    if (batch.length === 0 && this.cursor !== '') {
      // Past the last hash: start again from the first.
      this.cursor = '';
      batch = await this.files.referencedHashesAfter('', limit);
    }
    let bad = 0;
    for (const hash of batch) {
      this.cursor = hash;
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
    return bad;
  }

  /** Fetches a verified copy of `hash` from a holder of a file that uses it. */
  async restore(hash: string): Promise<boolean> {
    const candidates = new Set<string>();
    for (const key of await this.files.keysUsing(hash)) {
      for (const s of await this.shares.forKey(key)) candidates.add(s.nodeId);
      for (const id of placeKey(key, this.membership.placementIds(), this.config.replicas)) candidates.add(id);
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
      const started = performance.now();
      this.sweepOrphans()
        .then(() => this.pass())
        .then(() => this.onPass?.('pass', (performance.now() - started) / 1000))
        .catch((err) => this.logger.warn(`scrub pass failed: ${describeError(err)}`))
        .finally(() => this.schedule());
    }, SCRUB_INTERVAL_MS[this.config.gossipProfile]);
    this.timer.unref();
  }
}
