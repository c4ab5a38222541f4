/**
 * The manifest pushes and pulls of an anti-entropy round, a batch of keys at a time
 * (sync-batch.ts): a pull batch costs one reports message, a few chunk messages and one
 * group-committed transaction here; a push batch one offer, a few chunk messages and one
 * commit message (one transaction on the peer). The version rules are those of a single
 * commit, applied per key: a key changed since the digest, or already as new on the
 * receiving side, is skipped, not sent.
 */
import { Inject, Injectable } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { FileManifest, FileRepository } from '../peer-repository/file.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { LocalReplica } from './local-replica';
import { placeKey } from './placement';
import { ReplicaRouter } from './replica-router';
import { RepairThrottle } from './repair-throttle';
import { SEGMENT_CHUNKS } from './manifest-segments';
import { CHUNK_WRITES_IN_FLIGHT, OfferPromises, SYNC_BATCHES_IN_FLIGHT, SYNC_BATCH_CHUNK_BYTES, SYNC_BATCH_KEYS, inParallel } from './sync-batch';
import { SyncEntry } from './sync-digest';
import { readChunkRun } from './chunk-run';
import { ChunkNotFoundError } from './storage.errors';
import { compareVersions } from './version';

/** Per key of a batch: undefined when done (or nothing was left to do), else why it failed. */
export type TransferOutcome = Map<string, unknown>;

/**
 * The outcome of a pull left to another peer's push that is bringing the same version: not
 * done yet, so the round does not count as a clean catch-up (quarantine waits for a later one),
 * but nothing failed either.
 */
export const ON_ITS_WAY = 'being pushed here by another peer';

@Injectable()
export class SyncTransfer {
  /** Versions on their way here (asked of one peer): not asked of another meanwhile. */
  readonly promised = new OfferPromises();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly membership: MembershipService,
    private readonly files: FileRepository,
    private readonly tombstones: TombstoneRepository,
    private readonly local: LocalReplica,
    private readonly router: ReplicaRouter,
    private readonly throttle: RepairThrottle,
  ) {}

  /** Where placement (counting members within --repair-grace) puts a key. */
  holdersOf(key: string): string[] {
    return placeKey(key, this.membership.repairPlacementIds(this.config.repairGraceMs), this.config.replicas);
  }

  /**
   * Pulls the manifest entries from `peer`, a batch at a time; `onBatch` after each. Pushes and
   * pulls go in random order: a node back after an absence pulls from one peer while every
   * other pushes to it, and in the same order they would all move the same keys at once; in
   * random orders each key is mostly moved once, and found already there by the others.
   * With `helpers` (other members that hold the same keys) the batches are pulled from all of
   * them at once, each taking the next batch when it is free: a node that came back empty is
   * then served by every peer rather than by one. A helper must report the very version `peer`
   * named; what it does not (or failed to bring) goes back to `peer`, and a helper that served
   * nothing of a batch is asked nothing more.
   */
  async pull(peer: string, entries: readonly SyncEntry[], onBatch: (outcome: TransferOutcome) => void, helpers: readonly string[] = []): Promise<void> {
    const queue = batchesOf(shuffled(entries));
    const back: SyncEntry[] = [];
    const fromPeer = async (batch: readonly SyncEntry[]) => onBatch((await this.pullBatch(peer, batch)).outcome);
    const helperLane = async (helper: string) => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        const { outcome, unserved } = await this.pullBatch(helper, batch);
        const failed = [...outcome].filter(([, err]) => err !== undefined && err !== ON_ITS_WAY).map(([key]) => key);
        back.push(...unserved, ...batch.filter((e) => failed.includes(e.key)));
        for (const key of [...unserved.map((e) => e.key), ...failed]) outcome.delete(key);
        onBatch(outcome);
        if (unserved.length + failed.length === batch.length) return;
      }
    };
    const peerLane = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) await fromPeer(batch);
    };
    await Promise.all([...Array.from({ length: SYNC_BATCHES_IN_FLIGHT }, peerLane), ...helpers.flatMap((h) => Array.from({ length: SYNC_BATCHES_IN_FLIGHT }, () => helperLane(h)))]);
    await inParallel(batchesOf(back), SYNC_BATCHES_IN_FLIGHT, fromPeer);
  }

  /** Pushes the manifest entries to `peer`, a batch at a time in random order; `onBatch` after each. */
  async push(peer: string, entries: readonly SyncEntry[], onBatch: (outcome: TransferOutcome) => void): Promise<void> {
    await inParallel(batchesOf(shuffled(entries)), SYNC_BATCHES_IN_FLIGHT, async (batch) => onBatch(await this.pushBatch(peer, batch)));
  }

  /**
   * One batch of pulls from `peer`: per key the outcome, and the entries whose named version
   * `peer` did not report (changed since the digest, or, asked of a helper, not held there).
   */
  private async pullBatch(peer: string, batch: readonly SyncEntry[]): Promise<{ outcome: TransferOutcome; unserved: SyncEntry[] }> {
    const outcome: TransferOutcome = new Map(batch.map((e) => [e.key, undefined]));
    const keys = batch.map((e) => e.key);
    const named = new Map(batch.map((e) => [e.key, e.version]));
    let wanted: FileManifest[];
    let unserved: SyncEntry[];
    try {
      const [reports, newest] = await Promise.all([this.router.reports(peer, keys), this.newestHere(keys)]);
      unserved = batch.filter((e) => reports.get(e.key)?.manifest?.version !== e.version);
      // Only the version the digest named, and only where it is newer than what is here now.
      wanted = batch
        .map((e) => reports.get(e.key)?.manifest)
        .filter((m): m is FileManifest => !!m && m.version === named.get(m.key))
        .filter((m) => {
          const here = newest.get(m.key);
          return here === undefined || compareVersions(m.version, here) > 0;
        })
        // A version another peer's push is bringing right now is not fetched twice.
        .filter((m) => this.promised.take(`${m.key}\u0000${m.version}`) || (outcome.set(m.key, ON_ITS_WAY), false));
    } catch (err) {
      return { outcome: new Map(keys.map((k) => [k, err])), unserved: [] };
    }
    // Each copy pins its chunks (as a put per chunk would) until its commit takes the pin off.
    for (const m of wanted) this.local.guard.pin(new Set(m.chunks));
    const handed = new Set<FileManifest>();
    try {
      const need = await this.local.missingChunks([...new Set(wanted.flatMap((m) => m.chunks))]);
      await this.router.fetchChunks(peer, need, async (chunks) => {
        await this.throttle.take(chunks.reduce((n, c) => n + c.data.length, 0));
        await inParallel(chunks, CHUNK_WRITES_IN_FLIGHT, (c) => this.local.putPinnedChunk(c.hash, c.data));
      });
      await Promise.all(
        wanted.map((m) => {
          handed.add(m);
          return this.local.commitManifest(m, this.holdersOf(m.key)).then(
            () => undefined,
            (err) => outcome.set(m.key, err),
          );
        }),
      );
    } catch (err) {
      for (const m of wanted) if (!handed.has(m)) outcome.set(m.key, err);
    } finally {
      const left = wanted.filter((m) => !handed.has(m));
      if (left.length) await this.local.releaseChunks(left.flatMap((m) => [...new Set(m.chunks)]));
      // A version that did not come is no longer promised: a push (or another pull) may bring it.
      for (const m of wanted) if (outcome.get(m.key) !== undefined) this.promised.release(`${m.key}\u0000${m.version}`);
    }
    return { outcome, unserved };
  }

  private async pushBatch(peer: string, batch: readonly SyncEntry[]): Promise<TransferOutcome> {
    const outcome: TransferOutcome = new Map(batch.map((e) => [e.key, undefined]));
    try {
      const named = new Map(batch.map((e) => [e.key, e.version]));
      // Changed since the digest: nothing to push. Larger manifests go one by one (segmented).
      const manifests = (await this.files.getMany(batch.map((e) => e.key))).filter((m) => named.get(m.key) === m.version);
      const small = manifests.filter((m) => m.chunks.length <= SEGMENT_CHUNKS);
      for (const m of manifests.filter((x) => x.chunks.length > SEGMENT_CHUNKS)) {
        await this.copyManifestTo(peer, m).catch((err) => outcome.set(m.key, err));
      }
      const wanted = await this.router.offer(peer, small.map((m) => ({ key: m.key, version: m.version, hashes: [...new Set(m.chunks)] })));
      await this.sendChunks(peer, [...new Set([...wanted.values()].flat())]);
      const items = small.filter((m) => wanted.has(m.key)).map((manifest) => ({ manifest, holders: this.holdersOf(manifest.key) }));
      const results = await this.router.commitMany(peer, items);
      items.forEach((item, i) => {
        if (results[i] instanceof Error) outcome.set(item.manifest.key, results[i]);
      });
    } catch (err) {
      for (const e of batch) if (outcome.get(e.key) === undefined) outcome.set(e.key, err);
    }
    return outcome;
  }

  /** Sends a manifest's missing chunks to `peer`, then the manifest (one key, any size). */
  async copyManifestTo(peer: string, manifest: FileManifest): Promise<void> {
    const missing = await this.router.missingChunks(peer, [...new Set(manifest.chunks)]);
    for (const hash of missing) {
      const data = await this.local.getChunk(hash);
      await this.throttle.take(data.length);
      await this.router.putChunk(peer, hash, data);
    }
    await this.router.commit(peer, manifest, this.holdersOf(manifest.key));
  }

  /** Local chunks to `peer`, a payload's worth per message (at most that much read at once). */
  private async sendChunks(peer: string, hashes: readonly string[]): Promise<void> {
    for (let from = 0; from < hashes.length; ) {
      const run = await readChunkRun((hash) => this.local.getChunk(hash), hashes, from, SYNC_BATCH_CHUNK_BYTES);
      if (run.missing.length) throw new ChunkNotFoundError(run.missing[0]);
      await this.throttle.take(run.found.reduce((n, c) => n + c.data.length, 0));
      await this.router.putChunks(peer, run.found);
      from = run.next;
    }
  }

  /** The newest version (manifest or tombstone) this node holds of each key. */
  private async newestHere(keys: readonly string[]): Promise<Map<string, string>> {
    const [held, graves] = await Promise.all([this.files.versionsOf(keys), this.tombstones.versionsOf(keys)]);
    const out = new Map(held);
    for (const [key, v] of graves) if (!out.has(key) || compareVersions(v, out.get(key) as string) >= 0) out.set(key, v);
    return out;
  }
}

/** Consecutive runs of SYNC_BATCH_KEYS entries. */
function batchesOf(entries: readonly SyncEntry[]): SyncEntry[][] {
  const out: SyncEntry[][] = [];
  for (let i = 0; i < entries.length; i += SYNC_BATCH_KEYS) out.push(entries.slice(i, i + SYNC_BATCH_KEYS));
  return out;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
