/**
 * Sends a holder-side operation to a node by id: straight to LocalReplica when the node is
 * this one, over the transport otherwise. The coordinator never cares which.
 */
import { Injectable } from '@nestjs/common';
import { MembershipService } from '../gossip/membership.service';
import { PeerConnectionPool } from '../transport/connection-pool';
import { PeerUnreachableError } from '../transport/transport.errors';
import { NodeIdentity } from '../transport/node-identity';
import { FileManifest } from '../peer-repository/file.repository';
import { LocalReplica } from './local-replica';
import { CopyCheck, ManifestReport, StoragePatterns } from './storage.types';
import { ChunkCorruptError } from './storage.errors';
import { DEFAULT_CHUNK_SIZE, sha256Hex } from './chunker';
import { DigestPrints, DigestReply, EntriesReply, SyncPatterns } from './sync.types';
import { DigestCursor, SyncEntry, isSyncKind, keyPrint, parseCursor, unpackPrints } from './sync-digest';
import { StorageProtocolError } from './storage-protocol.errors';
import { parseReport } from './manifest-validation';
import { ReportBatcher } from './report-batcher';
import { P2pError } from '../common/errors';
import { ManifestStaging, SEGMENT_CHUNKS, completeChunks, laterSegments, toWire } from './manifest-segments';
import { isBelievableVersion } from './version-bounds';
import { SYNC_BATCH_CHUNK_BYTES, SYNC_BATCH_HASHES, SYNC_BATCH_KEYS, packChunks, runsOf, unpackChunks } from './sync-batch';

/** Chunk transfers carry 1 MiB; give them longer than control messages. */
const CHUNK_TIMEOUT_MS = 30_000;
const CONTROL_TIMEOUT_MS = 10_000;
/** Pages of one digest or entries reply we accept (200,000 prints or 512 KiB of entries each: far beyond any real store). */
const MAX_DIGEST_PAGES = 1024;
/** Key prints per entries request: its reply is one page for keys of up to about 250 bytes. */
const SYNC_ENTRY_PRINTS = 2048;
/** Manifest JSON per batched commit: a third of the body limit, whatever the keys and metadata. */
const SYNC_BATCH_JSON_LIMIT = 384 * 1024;
/** How long a peer that did not know the batched report message is asked key by key before it is tried again (it may have been upgraded). */
const UNBATCHED_RECHECK_MS = 60_000;

@Injectable()
export class ReplicaRouter {
  constructor(
    private readonly identity: NodeIdentity,
    private readonly membership: MembershipService,
    private readonly pool: PeerConnectionPool,
    private readonly local: LocalReplica,
  ) {}

  private readonly batcher = new ReportBatcher((nodeId, keys) => this.reportsOf(nodeId, keys));
  /** Peers that did not know the batched report message (an older version), asked key by key until then. */
  private readonly unbatchedUntil = new Map<string, number>();

  isSelf(nodeId: string): boolean {
    return nodeId === this.identity.nodeId;
  }

  /**
   * One chunk of a file being stored or copied; the manifest commit that follows makes it
   * durable (see ChunkStore.put). `alreadyVerified`: the caller hashed these bytes itself (the
   * local write skips the check).
   */
  async putChunk(nodeId: string, hash: string, data: Buffer, alreadyVerified = false): Promise<void> {
    if (this.isSelf(nodeId)) {
      await this.local.putChunk(hash, data, { alreadyVerified, deferFolderSync: true });
      return;
    }
    await this.ask(nodeId, StoragePatterns.chunkPut, { hash, blob: data }, CHUNK_TIMEOUT_MS);
  }

  /**
   * Fetches a chunk; with `verify` (the default) checks it, so a peer's bad copy is never passed
   * on. Without it only the length is checked: for a caller whose own client hashes every chunk.
   */
  async getChunk(nodeId: string, hash: string, verify = true): Promise<Buffer> {
    if (this.isSelf(nodeId)) return this.local.getChunk(hash);
    const reply = await this.ask<{ blob?: Buffer }>(nodeId, StoragePatterns.chunkGet, { hash }, CHUNK_TIMEOUT_MS);
    const blob = reply?.blob ?? Buffer.alloc(0);
    const intact = verify ? sha256Hex(blob) === hash : blob.length > 0 && blob.length <= DEFAULT_CHUNK_SIZE;
    if (!intact) throw new ChunkCorruptError(hash, `copy from ${nodeId}`);
    return blob;
  }

  async commit(nodeId: string, manifest: FileManifest, holders: string[]): Promise<boolean> {
    if (this.isSelf(nodeId)) return this.local.commitManifest(manifest, holders);
    const later = laterSegments(manifest);
    const stageId = later.length ? ManifestStaging.newId() : undefined;
    for (const { from, chunks } of later) await this.ask(nodeId, StoragePatterns.manifestStage, { stageId, from, chunks }, CONTROL_TIMEOUT_MS);
    const reply = await this.ask<{ saved: boolean }>(nodeId, StoragePatterns.manifestCommit, { manifest: toWire(manifest), holders, stageId }, CONTROL_TIMEOUT_MS);
    return Boolean(reply?.saved);
  }

  /**
   * A holder's report of a key. Reports asked of one peer in the same turn of the event loop
   * travel in one message (report-batcher.ts); a peer too old to know that message is asked
   * key by key for a while.
   */
  async report(nodeId: string, key: string): Promise<ManifestReport> {
    if (this.isSelf(nodeId)) return this.local.report(key);
    return this.batcher.report(nodeId, key);
  }

  async verify(nodeId: string, key: string): Promise<CopyCheck> {
    if (this.isSelf(nodeId)) return this.local.verify(key);
    return this.ask<CopyCheck>(nodeId, StoragePatterns.verify, { key }, CHUNK_TIMEOUT_MS * 4);
  }

  async releaseChunks(nodeId: string, hashes: string[]): Promise<void> {
    if (this.isSelf(nodeId)) {
      await this.local.releaseChunks(hashes);
      return;
    }
    for (let i = 0; i < hashes.length; i += SEGMENT_CHUNKS) {
      await this.pool.request(this.address(nodeId), StoragePatterns.chunkRelease, { hashes: hashes.slice(i, i + SEGMENT_CHUNKS) }, CONTROL_TIMEOUT_MS);
    }
  }

  /** Aborts one version of a key on a node (see LocalReplica.applyAbort). */
  async abort(nodeId: string, key: string, version: string): Promise<void> {
    if (this.isSelf(nodeId)) {
      await this.local.applyAbort(key, version);
      return;
    }
    await this.ask(nodeId, StoragePatterns.manifestAbort, { key, version }, CONTROL_TIMEOUT_MS);
  }

  /** Tells a holder the store of this version was acknowledged (see LocalReplica.settleStore). */
  async settle(nodeId: string, key: string, version: string): Promise<void> {
    if (this.isSelf(nodeId)) {
      await this.local.settleStore(key, version);
      return;
    }
    await this.ask(nodeId, StoragePatterns.manifestSettle, { key, version }, CONTROL_TIMEOUT_MS);
  }

  async tombstone(nodeId: string, key: string, version: string): Promise<void> {
    if (this.isSelf(nodeId)) {
      await this.local.applyTombstone(key, version);
      return;
    }
    await this.ask(nodeId, StoragePatterns.tombstoneApply, { key, version }, CONTROL_TIMEOUT_MS);
  }

  /** Sends our bucket digests; the peer answers with the prints of its keys in the buckets that differ. */
  async syncDigest(nodeId: string, digests: string[]): Promise<DigestPrints> {
    const prints = new Map<string, string[]>();
    let differing: number[] = [];
    let after: DigestCursor | undefined;
    let quarantined = false;
    for (let page = 0; page < MAX_DIGEST_PAGES; page++) {
      const reply = await this.ask<DigestReply>(nodeId, SyncPatterns.digest, { digests, after }, CONTROL_TIMEOUT_MS);
      if (!unpackPrints(reply?.blob, prints)) throw new StorageProtocolError(`the digest reply of ${nodeId.slice(0, 8)} carries no whole prints`);
      if (page === 0) {
        differing = Array.isArray(reply?.differing) ? reply.differing.filter((b): b is number => Number.isInteger(b)) : [];
        quarantined = reply?.quarantined === true;
      }
      const next = parseCursor(reply?.next);
      if (!next) return { prints, differing, quarantined };
      if (after && next.key === after.key && next.kind === after.kind) break;
      after = next;
    }
    throw new StorageProtocolError(`the digest reply of ${nodeId.slice(0, 8)} did not end within ${MAX_DIGEST_PAGES} pages`);
  }

  /** The peer's newest entries of the keys with these prints (SYNC_ENTRY_PRINTS per request, each paged). */
  async syncEntries(nodeId: string, keyPrints: readonly string[]): Promise<SyncEntry[]> {
    const entries: SyncEntry[] = [];
    for (let i = 0; i < keyPrints.length; i += SYNC_ENTRY_PRINTS) {
      const prints = keyPrints.slice(i, i + SYNC_ENTRY_PRINTS);
      const asked = new Set(prints);
      let after: DigestCursor | undefined;
      for (let page = 0; ; page++) {
        if (page >= MAX_DIGEST_PAGES) throw new StorageProtocolError(`the entries reply of ${nodeId.slice(0, 8)} did not end within ${MAX_DIGEST_PAGES} pages`);
        const reply = await this.ask<EntriesReply>(nodeId, SyncPatterns.entries, { prints, after }, CONTROL_TIMEOUT_MS);
        if (Array.isArray(reply?.entries)) for (const e of reply.entries) if (isSyncEntry(e) && asked.has(keyPrint(e.key))) entries.push(e);
        const next = parseCursor(reply?.next);
        if (!next || (after && next.key === after.key && next.kind === after.kind)) break;
        after = next;
      }
    }
    return entries;
  }

  /** Which of these chunks the node does not have. */
  async missingChunks(nodeId: string, hashes: string[]): Promise<string[]> {
    if (this.isSelf(nodeId)) return this.local.missingChunks(hashes);
    const missing: string[] = [];
    // In segments: one list of a large file's hashes would not fit a message.
    for (let i = 0; i < hashes.length; i += SEGMENT_CHUNKS) {
      const batch = hashes.slice(i, i + SEGMENT_CHUNKS);
      const reply = await this.ask<{ missing?: unknown }>(nodeId, SyncPatterns.missingChunks, { hashes: batch }, CONTROL_TIMEOUT_MS);
      const asked = new Set(batch);
      missing.push(...(Array.isArray(reply?.missing) ? reply.missing.filter((h): h is string => typeof h === 'string' && asked.has(h)) : batch));
    }
    return missing;
  }

  // ---- batched anti-entropy (sync-batch.ts); never used with this node itself ----

  /** Reports of many keys; a key whose reply does not parse (or names another key) reports nothing. */
  reports(nodeId: string, keys: readonly string[]): Promise<Map<string, ManifestReport>> {
    return this.reportsVia(SyncPatterns.reports, nodeId, keys);
  }

  /**
   * Fetches many chunks, several per message, verifying each; `onChunks` takes each message's
   * chunks before the next message is asked for (so at most one message's chunks are held).
   * Returns the hashes the node said it does not have.
   */
  async fetchChunks(nodeId: string, hashes: readonly string[], onChunks: (chunks: Array<{ hash: string; data: Buffer }>) => Promise<void>): Promise<string[]> {
    const lacking: string[] = [];
    for (let rest = [...new Set(hashes)]; rest.length > 0; ) {
      const asked = rest.slice(0, SYNC_BATCH_HASHES);
      const reply = await this.ask<unknown>(nodeId, SyncPatterns.chunkGetMany, { hashes: asked }, CHUNK_TIMEOUT_MS);
      const wanted = new Set(asked);
      const answered = new Set<string>();
      const got: Array<{ hash: string; data: Buffer }> = [];
      for (const { hash, data } of unpackChunks(reply)) {
        if (!wanted.has(hash) || answered.has(hash)) continue;
        if (sha256Hex(data) !== hash) throw new ChunkCorruptError(hash, `copy from ${nodeId}`);
        answered.add(hash);
        got.push({ hash, data });
      }
      await onChunks(got);
      const missing = (reply as { missing?: unknown })?.missing;
      if (Array.isArray(missing)) for (const h of missing) if (typeof h === 'string' && wanted.has(h) && !answered.has(h)) answered.add(h), lacking.push(h);
      if (answered.size === 0) throw new StorageProtocolError(`${nodeId.slice(0, 8)} answered a batch of chunks with none`);
      rest = rest.filter((h) => !answered.has(h));
    }
    return lacking;
  }

  /** Which of these versions the node would take, with the chunks it lacks for each. */
  async offer(nodeId: string, items: ReadonlyArray<{ key: string; version: string; hashes: string[] }>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const run of runsOf(items, (i) => i.hashes.length, SYNC_BATCH_HASHES, SYNC_BATCH_KEYS)) {
      const reply = await this.ask<{ wanted?: unknown }>(nodeId, SyncPatterns.offer, { items: run }, CONTROL_TIMEOUT_MS);
      const offered = new Map(run.map((i) => [i.key, new Set(i.hashes)]));
      for (const w of Array.isArray(reply?.wanted) ? (reply.wanted as Array<{ key?: unknown; missing?: unknown }>) : []) {
        const hashes = typeof w?.key === 'string' ? offered.get(w.key) : undefined;
        if (!hashes) continue;
        out.set(w.key as string, Array.isArray(w.missing) ? w.missing.filter((h): h is string => typeof h === 'string' && hashes.has(h)) : [...hashes]);
      }
    }
    return out;
  }

  /** Sends many chunks, several per message; each is pinned on the node until its manifest's commit. */
  async putChunks(nodeId: string, chunks: ReadonlyArray<{ hash: string; data: Buffer }>): Promise<void> {
    for (const run of runsOf(chunks, (c) => c.data.length, SYNC_BATCH_CHUNK_BYTES, SYNC_BATCH_HASHES)) {
      await this.ask(nodeId, SyncPatterns.chunkPutMany, packChunks(run), CHUNK_TIMEOUT_MS);
    }
  }

  /**
   * Commits many manifests (each of at most SEGMENT_CHUNKS chunks) in one message; per item
   * whether it was saved, or the error the node gave for it.
   */
  async commitMany(nodeId: string, items: ReadonlyArray<{ manifest: FileManifest; holders: string[] }>): Promise<Array<boolean | Error>> {
    const out: Array<boolean | Error> = [];
    for (const run of runsOf(items, (i) => Buffer.byteLength(JSON.stringify(i)), SYNC_BATCH_JSON_LIMIT, SYNC_BATCH_KEYS)) {
      const reply = await this.ask<{ results?: unknown }>(nodeId, SyncPatterns.commitMany, { items: run }, CONTROL_TIMEOUT_MS);
      const results = Array.isArray(reply?.results) ? (reply.results as Array<{ saved?: unknown; error?: unknown }>) : [];
      run.forEach((_, i) => {
        const r = results[i];
        out.push(r && typeof r.saved === 'boolean' ? r.saved : new StorageProtocolError(`commit refused by ${nodeId.slice(0, 8)}: ${String(r?.error ?? 'no answer')}`));
      });
    }
    return out;
  }

  /** What report() batches: the read path's reports (aborted versions and settled holders included). */
  private async reportsOf(nodeId: string, keys: string[]): Promise<Map<string, ManifestReport | Error>> {
    if ((this.unbatchedUntil.get(nodeId) ?? 0) > Date.now()) return this.reportsOneByOne(nodeId, keys);
    try {
      return await this.reportsVia(StoragePatterns.manifestReports, nodeId, keys);
    } catch (err) {
      if (!(err instanceof P2pError && err.code === 'UNKNOWN_PATTERN')) throw err;
      this.unbatchedUntil.set(nodeId, Date.now() + UNBATCHED_RECHECK_MS);
      return this.reportsOneByOne(nodeId, keys);
    }
  }

  private async reportsOneByOne(nodeId: string, keys: string[]): Promise<Map<string, ManifestReport | Error>> {
    const out = new Map<string, ManifestReport | Error>();
    await Promise.all(
      keys.map((key) =>
        this.ask<unknown>(nodeId, StoragePatterns.manifestGet, { key }, CONTROL_TIMEOUT_MS)
          .then((reply) => this.completeReport(nodeId, key, reply))
          .then(
            (report) => out.set(key, report),
            (err: unknown) => out.set(key, err instanceof Error ? err : new Error(String(err))),
          ),
      ),
    );
    return out;
  }

  /** Reports of `keys` through a pattern that answers many in order, as many as fit each reply. */
  private async reportsVia(pattern: string, nodeId: string, keys: readonly string[]): Promise<Map<string, ManifestReport>> {
    const out = new Map<string, ManifestReport>();
    for (let rest = keys; rest.length > 0; ) {
      const asked = rest.slice(0, SYNC_BATCH_KEYS);
      const reply = await this.ask<{ reports?: unknown }>(nodeId, pattern, { keys: asked }, CONTROL_TIMEOUT_MS);
      const reports = Array.isArray(reply?.reports) ? (reply.reports as Array<{ key?: unknown }>).slice(0, asked.length) : [];
      if (reports.length === 0) throw new StorageProtocolError(`${nodeId.slice(0, 8)} answered a batch of reports with none`);
      for (const [i, r] of reports.entries()) {
        if (r?.key === asked[i]) out.set(asked[i], await this.completeReport(nodeId, asked[i], r));
      }
      rest = rest.slice(reports.length);
    }
    return out;
  }

  /** One key's report as the peer sent it, its manifest's later chunk segments fetched; a manifest of another key counts as none. */
  private async completeReport(nodeId: string, key: string, reply: unknown): Promise<ManifestReport> {
    const r = reply as { manifest?: { version?: unknown } } | undefined;
    if (r?.manifest) {
      const version = r.manifest.version;
      const segment = (from: number) => this.ask<{ chunks?: unknown }>(nodeId, StoragePatterns.manifestChunks, { key, version, from }, CONTROL_TIMEOUT_MS).then((x) => x?.chunks);
      r.manifest = (await completeChunks(r.manifest, segment)) as { version?: unknown };
    }
    const report = parseReport(r);
    return report.manifest && report.manifest.key !== key ? { ...report, manifest: null } : report;
  }

  /**
   * A request to the node `nodeId` at its known address. The answer counts only from that very
   * node: one replaced at the same address (a new node id) is refused, never taken for it.
   */
  private ask<T = unknown>(nodeId: string, pattern: string, data: object, timeoutMs: number): Promise<T> {
    return this.pool.request<T>(this.address(nodeId), pattern, data, timeoutMs, nodeId);
  }

  private address(nodeId: string): string {
    const address = this.membership.addressOf(nodeId);
    if (!address) throw new PeerUnreachableError(nodeId, 'no known address');
    return address;
  }
}

function isSyncEntry(x: unknown): x is SyncEntry {
  const e = x as SyncEntry;
  return typeof e === 'object' && e !== null && typeof e.key === 'string' && isSyncKind(e.kind) && isBelievableVersion(e.version);
}
