/**
 * Storage messages: holder-side operations from other nodes (`storage.*`) and the client
 * protocol the CLI speaks to any node (`client.*`). Inputs come off the wire untrusted, so
 * each handler checks the shape it needs before touching the disk.
 */
import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { TcpPeerContext } from '../transport/tcp-transport.server';
import { RpcErrorPassthroughFilter } from '../transport/rpc-error.filter';
import { releaseFrameBuffer, releaseWhenSent } from '../transport/codec/frame-buffers';
import { FileManifest } from '../peer-repository/file.repository';
import { LocalReplica } from './local-replica';
import { StorageService } from './storage.service';
import { StoragePatterns } from './storage.types';
import { StorageProtocolError } from './storage-protocol.errors';
import { VersionClock } from './version';
import { parseManifest } from './manifest-validation';
import { ManifestStaging, completeChunks, segmentAt, toWire } from './manifest-segments';
import { checkIncomingVersion } from './version-bounds';
import { AntiEntropyService } from './anti-entropy.service';
import { SyncPatterns } from './sync.types';
import { parseCursor } from './sync-digest';
import { InspectService } from './inspect.service';
import { QuarantineService } from './quarantine.service';
import { REPORT_BATCH_KEYS } from './report-batcher';
import { firstThatFit, stringList } from './sync-batch';

@Controller()
@UseFilters(RpcErrorPassthroughFilter)
export class StorageController {
  /** Later segments of large manifests pushed to this node, until their commit. */
  private readonly staging = new ManifestStaging();

  constructor(
    private readonly storage: StorageService,
    private readonly local: LocalReplica,
    private readonly versions: VersionClock,
    private readonly antiEntropy: AntiEntropyService,
    private readonly inspector: InspectService,
    private readonly quarantine: QuarantineService,
  ) {}

  // ---- holder side (node to node) ----

  @MessagePattern(StoragePatterns.chunkPut)
  async chunkPut(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { hash, blob } = fields(msg, { hash: 'string', blob: 'buffer' });
    try {
      // Chunks come from a store or a copy, each followed by its manifest's commit.
      return { stored: await this.local.putChunk(hash, blob, { deferFolderSync: true }) };
    } finally {
      // Written (or refused): nothing keeps the bytes, so their buffer takes the next chunk.
      releaseFrameBuffer(blob);
    }
  }

  @MessagePattern(StoragePatterns.chunkRelease)
  async chunkRelease(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const hashes = (msg as { hashes?: unknown })?.hashes;
    if (!Array.isArray(hashes) || hashes.length > 100_000) throw new StorageProtocolError('field "hashes" must be a list');
    return { freed: await this.local.releaseChunks(hashes.filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) };
  }

  @MessagePattern(StoragePatterns.chunkGet)
  async chunkGet(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { hash } = fields(msg, { hash: 'string' });
    const blob = await this.local.getChunk(hash);
    // Read for this reply only: its buffer takes the next chunk read once the socket took it.
    releaseWhenSent(blob);
    return { blob };
  }

  @MessagePattern(StoragePatterns.manifestCommit)
  async manifestCommit(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const raw = msg as { manifest?: unknown; holders?: unknown; stageId?: unknown };
    const stageId = typeof raw?.stageId === 'string' ? raw.stageId : '';
    const manifest: FileManifest = parseManifest(await completeChunks(raw?.manifest, async () => this.staging.take(stageId)));
    const holders = Array.isArray(raw?.holders) ? raw.holders.filter((h): h is string => typeof h === 'string').slice(0, 64) : [];
    this.versions.observe(manifest.version);
    return { saved: await this.local.commitManifest(manifest, holders) };
  }

  @MessagePattern(StoragePatterns.manifestGet)
  async manifestGet(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { key } = fields(msg, { key: 'string' });
    this.quarantine.assertServing();
    const report = await this.local.report(key);
    return { ...report, manifest: report.manifest && toWire(report.manifest) };
  }

  /** manifestGet for many keys, in order, as many as fit one reply (the asker asks again for the rest). */
  @MessagePattern(StoragePatterns.manifestReports)
  async manifestReports(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    this.quarantine.assertServing();
    const keys = stringList((msg as { keys?: unknown })?.keys, 'keys', REPORT_BATCH_KEYS);
    const held = await Promise.all(keys.map((key) => this.local.report(key)));
    return { reports: firstThatFit(held.map((report, i) => ({ key: keys[i], ...report, manifest: report.manifest && toWire(report.manifest) }))) };
  }

  @MessagePattern(StoragePatterns.manifestChunks)
  async manifestChunks(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { key, version, from } = fields(msg, { key: 'string', version: 'string', from: 'number' });
    const { manifest } = await this.local.report(key);
    if (!manifest || manifest.version !== version) throw new StorageProtocolError(`version ${version} of "${key}" is not held here (any more)`);
    return { chunks: segmentAt(manifest.chunks, from) };
  }

  @MessagePattern(StoragePatterns.manifestStage)
  manifestStage(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { stageId, from } = fields(msg, { stageId: 'string', from: 'number' });
    this.staging.add(stageId, from, (msg as { chunks?: unknown }).chunks);
    return { staged: true };
  }

  @MessagePattern(StoragePatterns.manifestAbort)
  async manifestAbort(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { key, version } = fields(msg, { key: 'string', version: 'string' });
    checkIncomingVersion(version);
    return { effect: await this.local.applyAbort(key, version) };
  }

  @MessagePattern(StoragePatterns.manifestSettle)
  async manifestSettle(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { key, version } = fields(msg, { key: 'string', version: 'string' });
    await this.local.settleStore(key, version);
    return { settled: true };
  }

  @MessagePattern(StoragePatterns.tombstoneApply)
  async tombstoneApply(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { key, version } = fields(msg, { key: 'string', version: 'string' });
    checkIncomingVersion(version);
    this.versions.observe(version);
    return { removed: await this.local.applyTombstone(key, version) };
  }

  @MessagePattern(SyncPatterns.digest)
  syncDigest(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { digests, after } = (msg ?? {}) as { digests?: unknown; after?: unknown };
    return this.antiEntropy.answerDigest(ctx.peer.nodeId, digests, parseCursor(after));
  }

  @MessagePattern(SyncPatterns.entries)
  syncEntries(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { prints, after } = (msg ?? {}) as { prints?: unknown; after?: unknown };
    if (!Array.isArray(prints) || prints.length > 4096 || !prints.every((p) => typeof p === 'string' && /^[0-9a-f]{16}$/.test(p))) {
      throw new StorageProtocolError('field "prints" must be a list of at most 4096 key prints');
    }
    return this.antiEntropy.answerEntries(ctx.peer.nodeId, prints as string[], parseCursor(after));
  }

  @MessagePattern(SyncPatterns.missingChunks)
  async missingChunks(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const hashes = (msg as { hashes?: unknown })?.hashes;
    if (!Array.isArray(hashes) || hashes.length > 100_000) throw new StorageProtocolError('field "hashes" must be a list');
    return { missing: await this.local.missingChunks(hashes.filter((h): h is string => typeof h === 'string')) };
  }

  @MessagePattern(StoragePatterns.verify)
  verify(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    requirePeer(ctx);
    const { key } = fields(msg, { key: 'string' });
    return this.local.verify(key);
  }

  // ---- client protocol (CLI to any node) ----

  @MessagePattern(StoragePatterns.clientStoreBegin)
  storeBegin(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    this.quarantine.assertServing();
    const { key } = fields(msg, { key: 'string' });
    return this.storage.beginStore(key, `${ctx.peer.role}:${ctx.peer.nodeId}`);
  }

  @MessagePattern(StoragePatterns.clientStoreChunk)
  storeChunk(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { uploadId, index, hash, blob } = fields(msg, { uploadId: 'string', index: 'number', hash: 'string', blob: 'buffer' });
    return this.storage.storeChunk(uploadId, index, hash, blob);
  }

  @MessagePattern(StoragePatterns.clientStoreCommit)
  storeCommit(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { uploadId } = fields(msg, { uploadId: 'string' });
    const contentHash = (msg as { contentHash?: unknown }).contentHash;
    return this.storage.commitStore(uploadId, typeof contentHash === 'string' ? contentHash : undefined);
  }

  @MessagePattern(StoragePatterns.clientStoreAbort)
  storeAbort(@Payload() msg: unknown) {
    const { uploadId } = fields(msg, { uploadId: 'string' });
    this.storage.abortStore(uploadId);
    return { aborted: true };
  }

  @MessagePattern(StoragePatterns.clientGetManifest)
  async getManifest(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { key } = fields(msg, { key: 'string' });
    return toWire(await this.storage.manifest(key));
  }

  @MessagePattern(StoragePatterns.clientGetChunks)
  async getChunks(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { key, version, from } = fields(msg, { key: 'string', version: 'string', from: 'number' });
    return { chunks: segmentAt(await this.storage.chunkList(key, version), from) };
  }

  @MessagePattern(StoragePatterns.clientGetChunk)
  async getChunk(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { key, hash } = fields(msg, { key: 'string', hash: 'string' });
    // The CLI verifies every chunk itself; it sets `verify` when it asks again after a bad one.
    const verify = (msg as { verify?: unknown }).verify === true;
    // `held`: a client reading straight from the holders wants this node's own copy or nothing.
    const held = (msg as { held?: unknown }).held === true;
    const blob = held ? await this.storage.heldChunk(key, hash, !verify) : await this.storage.chunk(key, hash, !verify);
    // Nothing here keeps the chunk after the reply: its receive buffer takes the next one.
    releaseWhenSent(blob);
    return { blob };
  }

  @MessagePattern(StoragePatterns.clientGetSources)
  async getSources(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { key, version } = fields(msg, { key: 'string', version: 'string' });
    return { holders: await this.storage.sourcesOf(key, version) };
  }

  @MessagePattern(StoragePatterns.clientInspect)
  inspect(@Payload() msg: unknown) {
    const { key } = fields(msg, { key: 'string' });
    return this.inspector.inspect(key);
  }

  @MessagePattern(StoragePatterns.clientDelete)
  delete(@Payload() msg: unknown) {
    this.quarantine.assertServing();
    const { key } = fields(msg, { key: 'string' });
    return this.storage.delete(key);
  }
}

type FieldType = 'string' | 'number' | 'buffer';
type FieldValue<T extends FieldType> = T extends 'string' ? string : T extends 'number' ? number : Buffer;

/** Picks typed fields off an untrusted message, or throws StorageProtocolError naming the first bad one. */
function fields<S extends Record<string, FieldType>>(msg: unknown, shape: S): { [K in keyof S]: FieldValue<S[K]> } {
  if (typeof msg !== 'object' || msg === null) throw new StorageProtocolError('message is not an object');
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(shape)) {
    const v = (msg as Record<string, unknown>)[name];
    const ok = type === 'buffer' ? Buffer.isBuffer(v) : type === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && v.length <= 4096;
    if (!ok) throw new StorageProtocolError(`field "${name}" must be a ${type}`);
    out[name] = v;
  }
  return out as { [K in keyof S]: FieldValue<S[K]> };
}

/** Holder-side operations are for cluster members, never for CLI clients. */
export function requirePeer(ctx: TcpPeerContext): void {
  if (ctx.peer.role !== 'peer') throw new StorageProtocolError('holder operations are for cluster members only');
}
