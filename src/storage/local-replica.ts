/**
 * This node's own copy of the data: chunks in the ChunkStore, manifests and tombstones in
 * SQLite. Every holder-side operation (from a peer or from this node as coordinator) goes
 * through here, so local and remote holders behave the same.
 */
import { Injectable, Logger } from '@nestjs/common';
import { FileManifest, FileRepository } from '../peer-repository/file.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { AbortEffect, StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { KeyReportRepository } from '../peer-repository/key-report.repository';
import { ChunkStore, PutOptions } from './chunk-store';
import { ChunkGuard } from './chunk-guard';
import { CopyCheck, ManifestReport } from './storage.types';
import { ChunkNotFoundError } from './storage.errors';
import { GroupCommit } from './group-commit';

interface PendingCommit {
  manifest: FileManifest;
  holders: string[];
  hashes: Set<string>;
  /** Receives the chunk list of the version the commit replaced. */
  replaced: string[];
}

@Injectable()
export class LocalReplica {
  private readonly logger = new Logger('Storage');
  /** Pins chunks awaiting a commit and keeps collection from interleaving with one (chunk-guard.ts). */
  readonly guard = new ChunkGuard();
  /** Manifest commits that meet go to disk together: one fsynced transaction for many (group-commit.ts). */
  private readonly commits = new GroupCommit<PendingCommit, boolean>((batch) => this.writeCommits(batch));

  constructor(
    readonly chunks: ChunkStore,
    private readonly files: FileRepository,
    private readonly tombstones: TombstoneRepository,
    private readonly outcomes: StoreOutcomeRepository,
    private readonly keyReports: KeyReportRepository,
  ) {}

  /**
   * See ChunkStore.put. A chunk put with `deferFolderSync` belongs to a store or a copy whose
   * manifest commit follows: it is durable once that commit is, and pinned until then, even
   * when the chunk was already here.
   */
  async putChunk(hash: string, data: Buffer, options: PutOptions = {}): Promise<boolean> {
    if (options.deferFolderSync) this.guard.pin([hash]);
    await this.guard.settled([hash]);
    return this.chunks.put(hash, data, options);
  }

  /**
   * A chunk of a copy whose chunks the caller has pinned itself (one pin per manifest, as one
   * put per chunk would; commitManifest takes it off) and has just found missing here: written
   * like putChunk, not pinned again.
   */
  async putPinnedChunk(hash: string, data: Buffer): Promise<boolean> {
    await this.guard.settled([hash]);
    return this.chunks.put(hash, data, { alreadyVerified: true, deferFolderSync: true, knownMissing: true });
  }

  /** Which of these chunks are not here, in their order (looked up several at once). */
  async missingChunks(hashes: readonly string[]): Promise<string[]> {
    return hashes.filter((h) => !this.chunks.has(h));
  }

  /** See ChunkStore.get: verified unless `verify` is false. */
  getChunk(hash: string, verify = true): Promise<Buffer> {
    return this.chunks.get(hash, { verify });
  }

  /**
   * Makes a manifest visible on this node, only once every chunk it names is on disk
   * (verified on write). Returns false when a newer version or a tombstone wins. The chunks are
   * pinned while it runs, so no collection deletes one between the check and the save; their
   * pins from the store's puts come off after it, and the chunks of the version it replaced, or
   * of a refused manifest, are freed where nothing else uses them. Commits that run at the same
   * time share one transaction (group commit); each resolves only once that transaction is on
   * disk, and each is judged by the version rules on its own.
   */
  async commitManifest(manifest: FileManifest, holders: string[]): Promise<boolean> {
    const hashes = new Set(manifest.chunks);
    const replaced: string[] = [];
    let saved = false;
    this.guard.pin(hashes);
    try {
      await this.guard.settled(hashes);
      for (const hash of hashes) {
        if (!this.chunks.has(hash)) throw new ChunkNotFoundError(hash);
      }
      saved = await this.commits.submit({ manifest, holders, hashes, replaced });
    } finally {
      this.guard.unpin(hashes); // this commit's pin
      this.guard.unpin(hashes); // the pin of the put that brought each chunk
    }
    await this.collectGarbage(saved ? replaced : [...hashes]);
    return saved;
  }

  /** One group of commits: their chunks made durable first, then every manifest in one transaction. */
  private async writeCommits(batch: PendingCommit[]): Promise<boolean[]> {
    const hashes = new Set<string>();
    for (const c of batch) c.hashes.forEach((h) => hashes.add(h));
    // Chunks of a store arrive with their folder's fsync deferred: make them durable first.
    await this.chunks.syncFolders(hashes);
    // A retry of a failed group gets clean lists, not what the failed attempt had gathered.
    for (const c of batch) c.replaced.length = 0;
    return this.files.saveManifests(batch.map((c) => ({ manifest: c.manifest, holders: c.holders, replaced: c.replaced })));
  }

  /** Re-reads and hashes every chunk of the held manifest of `key` (for inspect). */
  async verify(key: string): Promise<CopyCheck> {
    const manifest = await this.files.get(key);
    const tombstone = await this.tombstones.get(key);
    if (!manifest) return { version: null, tombstone: tombstone?.version ?? null, chunks: 0, missing: 0, corrupt: 0 };
    let missing = 0;
    let corrupt = 0;
    for (const hash of manifest.chunks) {
      try {
        await this.chunks.get(hash);
      } catch (err) {
        if (err instanceof ChunkNotFoundError) missing += 1;
        else corrupt += 1;
      }
    }
    return { version: manifest.version, tombstone: tombstone?.version ?? null, chunks: manifest.chunks.length, size: manifest.size, missing, corrupt };
  }

  async report(key: string): Promise<ManifestReport> {
    const { manifest, tombstone, aborted, settledFor } = await this.keyReports.get(key);
    return { manifest, tombstone, ...(aborted.length ? { aborted } : {}), ...(settledFor ? { settledFor } : {}) };
  }

  /** Versions of `key` whose stores failed, as far as this node knows. */
  abortedVersions(key: string): Promise<string[]> {
    return this.outcomes.abortedVersions(key);
  }

  /**
   * A store reported as failed: `version` of `key` is refused from now on and removed if held,
   * and the version it replaced here, when still kept, is the held version again.
   */
  async applyAbort(key: string, version: string): Promise<AbortEffect> {
    const freed: string[] = [];
    const effect = await this.outcomes.applyAbort(key, version, Date.now(), freed);
    await this.collectGarbage(freed);
    if (effect !== 'none') this.logger.log(`version ${version} of "${key}" aborted: ${effect === 'restored' ? 'the version it replaced is back' : 'removed'}`);
    return effect;
  }

  /** A store of `version` was acknowledged: the version it replaced here is freed. */
  async settleStore(key: string, version: string): Promise<void> {
    await this.collectGarbage(await this.outcomes.settle(key, version));
  }

  /** Frees the replaced versions kept since before `cutoffMs` (their store's outcome never came). */
  async expirePrevious(cutoffMs: number): Promise<number> {
    return this.collectGarbage(await this.outcomes.expirePrevious(cutoffMs));
  }

  /** A store that failed or was abandoned: its chunks' pins come off and unused ones are freed. */
  async releaseChunks(hashes: string[]): Promise<number> {
    const unique = new Set(hashes);
    this.guard.unpin(unique);
    return this.collectGarbage(unique);
  }

  /** Drops the held manifest of `key` if it is still `version` (a handed-off copy). */
  async dropManifest(key: string, version: string): Promise<boolean> {
    const current = await this.files.get(key);
    if (!current || current.version !== version) return false;
    await this.files.delete(key);
    await this.collectGarbage(current.chunks);
    return true;
  }

  /** Applies a delete; frees the chunks no other manifest uses. */
  async applyTombstone(key: string, version: string): Promise<boolean> {
    const freed: string[] = [];
    const removed = await this.tombstones.applyDelete(key, version, Date.now(), freed);
    await this.collectGarbage(freed);
    return removed;
  }

  /**
   * Deletes the given chunks unless a held manifest uses them (one index lookup each) or a
   * store has them pinned. Returns how many were deleted.
   */
  async collectGarbage(candidates: Iterable<string>): Promise<number> {
    let freed = 0;
    for (const hash of new Set(candidates)) {
      await this.guard
        .collect(hash, async () => {
          if (await this.files.isReferenced(hash)) return;
          await this.chunks.delete(hash);
          freed += 1;
        })
        .catch((err) => this.logger.warn(`could not free chunk ${hash}: ${String(err)}`));
    }
    return freed;
  }
}
