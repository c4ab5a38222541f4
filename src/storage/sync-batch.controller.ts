/**
 * Holder side of batched anti-entropy (sync-batch.ts): many keys' reports, offers, chunks and
 * commits per message. Inputs are untrusted: every list is bounded and every manifest goes
 * through parseManifest, as the one-key patterns do.
 */
import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { TcpPeerContext } from '../transport/tcp-transport.server';
import { RpcErrorPassthroughFilter } from '../transport/rpc-error.filter';
import { describeError } from '../common/errors';
import { FileRepository } from '../peer-repository/file.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { LocalReplica } from './local-replica';
import { VersionClock } from './version';
import { parseManifest } from './manifest-validation';
import { toWire } from './manifest-segments';
import { QuarantineService } from './quarantine.service';
import { StorageProtocolError } from './storage-protocol.errors';
import { requirePeer } from './storage.controller';
import { SyncTransfer } from './sync-transfer';
import { readChunkRun } from './chunk-run';
import { SyncPatterns } from './sync.types';
import { CHUNK_WRITES_IN_FLIGHT, SYNC_BATCH_CHUNK_BYTES, SYNC_BATCH_HASHES, SYNC_BATCH_KEYS, batchItems, firstThatFit, inParallel, packChunks, stringList, unpackChunks } from './sync-batch';

@Controller()
@UseFilters(RpcErrorPassthroughFilter)
export class SyncBatchController {
  constructor(
    private readonly local: LocalReplica,
    private readonly files: FileRepository,
    private readonly tombstones: TombstoneRepository,
    private readonly versions: VersionClock,
    private readonly quarantine: QuarantineService,
    private readonly transfer: SyncTransfer,
  ) {}

  /** Reports (manifest and tombstone) of the asked keys, in order, as many as fit one reply. */
  @MessagePattern(SyncPatterns.reports)
  async reports(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    this.quarantine.assertServing();
    const keys = stringList((msg as { keys?: unknown })?.keys, 'keys', SYNC_BATCH_KEYS);
    const [manifests, graves] = await Promise.all([this.files.getMany(keys), this.tombstones.versionsOf(keys)]);
    const byKey = new Map(manifests.map((m) => [m.key, m]));
    const reports = keys.map((key) => {
      const manifest = byKey.get(key);
      const tombstone = graves.get(key);
      return { key, manifest: manifest ? toWire(manifest) : null, tombstone: tombstone ? { key, version: tombstone } : null };
    });
    return { reports: firstThatFit(reports) };
  }

  /**
   * Which offered versions this node would take (newer than its manifest and its tombstone of
   * the key), each with the chunks it lacks for them. The version already held is not wanted.
   */
  @MessagePattern(SyncPatterns.offer)
  async offer(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    let hashCount = 0;
    const items = batchItems<{ key: unknown; version: unknown; hashes: unknown }>(msg).map((x) => {
      if (typeof x?.key !== 'string' || typeof x.version !== 'string') throw new StorageProtocolError('offered item invalid');
      const hashes = stringList(x.hashes, 'hashes', SYNC_BATCH_HASHES);
      if ((hashCount += hashes.length) > SYNC_BATCH_HASHES) throw new StorageProtocolError('too many chunk hashes offered');
      return { key: x.key, version: x.version, hashes };
    });
    const keys = items.map((i) => i.key);
    const [held, graves] = await Promise.all([this.files.versionsOf(keys), this.tombstones.versionsOf(keys)]);
    const wanted: Array<{ key: string; missing: string[] }> = [];
    for (const item of items) {
      const newest = [held.get(item.key), graves.get(item.key)].filter((v): v is string => v !== undefined).sort().pop();
      if (newest !== undefined && newest >= item.version) continue;
      // Promised to another peer's push a moment ago: it is on its way, take it once.
      if (!this.transfer.promised.take(`${item.key}\u0000${item.version}`)) continue;
      wanted.push({ key: item.key, missing: await this.local.missingChunks([...new Set(item.hashes)]) });
    }
    return { wanted };
  }

  /** The asked chunks this node has, in order, up to one payload's worth; `missing` lists those it lacks. */
  @MessagePattern(SyncPatterns.chunkGetMany)
  async chunkGetMany(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const hashes = stringList((msg as { hashes?: unknown })?.hashes, 'hashes', SYNC_BATCH_HASHES);
    const { found, missing } = await readChunkRun((hash) => this.local.getChunk(hash), hashes, 0, SYNC_BATCH_CHUNK_BYTES);
    return { ...packChunks(found), missing };
  }

  /** Stores the chunks of a payload, each pinned until the commit that follows (as storage.chunk.put). */
  @MessagePattern(SyncPatterns.chunkPutMany)
  async chunkPutMany(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    let stored = 0;
    await inParallel(unpackChunks(msg), CHUNK_WRITES_IN_FLIGHT, async ({ hash, data }) => {
      if (await this.local.putChunk(hash, data, { deferFolderSync: true })) stored += 1;
    });
    return { stored };
  }

  /** Commits each manifest by the usual rules; concurrent commits share one transaction (group commit). */
  @MessagePattern(SyncPatterns.commitMany)
  async commitMany(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const results = await Promise.all(
      batchItems<{ manifest: unknown; holders: unknown }>(msg).map(async (x) => {
        try {
          const manifest = parseManifest(x?.manifest);
          const holders = Array.isArray(x?.holders) ? x.holders.filter((h): h is string => typeof h === 'string').slice(0, 64) : [];
          this.versions.observe(manifest.version);
          return { saved: await this.local.commitManifest(manifest, holders) };
        } catch (err) {
          return { error: describeError(err) };
        }
      }),
    );
    return { results };
  }
}

