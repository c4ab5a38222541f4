/**
 * The coordinator: any node can take a store, get or delete from a client and carry it out
 * across the holders placement picks.
 *
 * Store: the client streams chunks in order; each verified chunk is written to every holder
 * still in the store (in parallel; a holder that fails drops out) before the client gets its
 * ack, so at most one chunk per client is in memory here. Commit writes the manifest to the
 * holders; the store is acknowledged when a write quorum confirmed, otherwise the
 * version is aborted everywhere (abortVersion) and the client gets QuorumNotReachedError.
 *
 * Get: the newest manifest among the holders (a newer tombstone means deleted): R = N - W + 1
 * of them first (a quorum read, this node first), all of them when their answers do not settle
 * it; then each chunk from this node if held, else from the holders in turn, verified.
 *
 * Delete: a tombstone with a fresh version goes to the placed holders and every alive member;
 * it is acknowledged when a write quorum of placed holders holds it.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import { NodeConfig, effectiveWriteQuorum } from '../config/node-config';
import { describeError } from '../common/errors';
import { MembershipService } from '../gossip/membership.service';
import { FileManifest } from '../peer-repository/file.repository';
import { chunkStream, sha256Hex } from './chunker';
import { LocalReplica } from './local-replica';
import { placeKey } from './placement';
import { ReplicaRouter } from './replica-router';
import { ChunkCorruptError, ChunkNotFoundError, DeleteQuorumNotReachedError, DiskFullError, FileNotFoundError, QuorumNotReachedError, SupersededError } from './storage.errors';
import { StorageProtocolError, TooManyUploadsError, UploadNotFoundError } from './storage-protocol.errors';
import { DeleteResult, ManifestReport, ReplicaReport, StoreResult } from './storage.types';
import { UploadSession } from './upload-session';
import { validateKey } from './key';
import { StoreOptions, parseFileMeta } from './file-meta';
import { VersionClock, compareVersions } from './version';
import { quorumReadSet, readQuorum, settledManifest } from './quorum-read';

const SESSION_IDLE_MS = 5 * 60_000;
/**
 * A session holding chunks that arrived ahead of a missing one is dropped after this long
 * without progress, so out-of-order chunks cannot pin memory for the whole idle time.
 */
const STALLED_SESSION_MS = 30_000;
/** Uploads open at once on this node, and per client (each may hold MAX_CHUNKS_AHEAD chunks). */
const MAX_UPLOADS = 64;
const MAX_UPLOADS_PER_CLIENT = 8;
/** How far ahead of the next expected chunk a client may send (bounds memory per upload). */
const MAX_CHUNKS_AHEAD = 8;
const SOURCES_TTL_MS = 60_000;

@Injectable()
export class StorageService implements OnModuleDestroy {
  private readonly sessions = new Map<string, UploadSession>();
  /** Who had the manifest of a key at its last lookup: where a get fetches chunks from. */
  private readonly sources = new Map<string, { version: string; nodeIds: string[]; at: number }>();
  private readonly sweeper: NodeJS.Timeout;
  /** Which of the other holders a quorum read starts at (reads take turns). */
  private readTurn = 0;
  private readonly logger = new Logger('Storage');
  /** Told about every client operation this node coordinated (metrics). */
  onOperation: ((op: 'store' | 'get' | 'delete', ok: boolean, seconds: number) => void) | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly membership: MembershipService,
    private readonly router: ReplicaRouter,
    private readonly local: LocalReplica,
    private readonly versions: VersionClock,
  ) {
    this.sweeper = setInterval(() => {
      this.expireSessions();
      this.forgetStaleSources();
    }, 10_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Holders placement gives a key now: this node and the alive members. */
  holdersFor(key: string): string[] {
    return placeKey(key, this.membership.placementIds(), this.config.replicas);
  }

  /**
   * Holders placement picks over every known member that has not left, whether up or not: the
   * set a write quorum is counted in, with the ones that can be written to now.
   */
  placedHolders(key: string): { placed: string[]; reachable: string[]; writeQuorum: number } {
    const placed = placeKey(key, this.membership.knownIds(), this.config.replicas);
    const up = new Set(this.membership.upIds());
    return { placed, reachable: placed.filter((id) => up.has(id)), writeQuorum: effectiveWriteQuorum(this.config, placed.length) };
  }

  /**
   * Opens an upload. `client` names who asked (a CLI connection, an HTTP client address), for
   * the per-client cap; uploads this node makes for itself (S3, internal) pass none.
   */
  async beginStore(rawKey: string, client?: string): Promise<{ uploadId: string; chunkSize: number; holders: string[]; writeQuorum: number }> {
    const key = validateKey(rawKey);
    this.admitUpload(client);
    const { placed: holders, reachable, writeQuorum } = this.placedHolders(key);
    // Too few placed holders are up to ever reach the quorum: refuse before any byte is sent.
    if (reachable.length < writeQuorum) throw new QuorumNotReachedError(key, reachable.length, writeQuorum);
    // The version must be newer than what the holders have even when this node's clock lags
    // the key's last writer or it restarted since (and forgot what it saw): observe it first.
    await this.lookup(key, reachable);
    this.admitUpload(client); // again: the lookup above let other uploads begin meanwhile
    const session = new UploadSession(key, this.versions.next(), holders, reachable, writeQuorum, this.config.chunkSize);
    session.client = client;
    this.sessions.set(session.id, session);
    return { uploadId: session.id, chunkSize: session.chunkSize, holders, writeQuorum };
  }

  async storeChunk(uploadId: string, index: number, hash: string, data: Buffer): Promise<{ received: number }> {
    const session = this.session(uploadId);
    const run = this.acceptChunk(session, index, hash, data);
    session.inflight.set(index, run.catch(() => undefined));
    try {
      return await run;
    } catch (err) {
      this.onOperation?.('store', false, (Date.now() - session.startedAt) / 1000);
      throw err;
    } finally {
      session.inflight.delete(index);
    }
  }

  async commitStore(uploadId: string, claimedContentHash?: string, options: StoreOptions = {}): Promise<StoreResult> {
    const session = this.session(uploadId);
    return this.measured('store', session.startedAt, this.commitSession(session, claimedContentHash, options));
  }

  private async commitSession(session: UploadSession, claimedContentHash?: string, options: StoreOptions = {}): Promise<StoreResult> {
    const uploadId = session.id;
    await Promise.all(session.inflight.values());
    this.sessions.delete(uploadId);
    if (session.done.size > 0) throw new StorageProtocolError(`chunk ${session.nextIndex} never arrived`);
    const { size, contentHash } = session.hasher.digest();
    if (claimedContentHash && claimedContentHash !== contentHash) {
      throw new ChunkCorruptError(contentHash, `the file's content hash differs from the client's (${claimedContentHash})`);
    }
    const meta = parseFileMeta(await options.beforeCommit?.({ size, contentHash }));
    const manifest: FileManifest = {
      key: session.key,
      version: session.version,
      size,
      contentHash,
      chunkSize: session.chunkSize,
      chunks: session.chunkHashes,
      createdAt: Date.now(),
      ...(meta ? { meta } : {}),
    };
    const holders = [...session.live];
    const results = await Promise.allSettled(holders.map((id) => this.router.commit(id, manifest, session.holders)));
    const confirmed = holders.filter((_, i) => results[i].status === 'fulfilled' && (results[i] as PromiseFulfilledResult<boolean>).value);
    const refused = results.some((r) => r.status === 'fulfilled' && !r.value);
    if (refused || confirmed.length < session.writeQuorum) {
      await this.abortVersion(manifest.key, manifest.version, confirmed);
      if (refused) {
        // A holder already has a newer version or a newer delete of this key: last writer wins,
        // and this writer is told so instead of being silently overwritten.
        const winner = await this.lookup(session.key, session.holders);
        throw new SupersededError(session.key, winner.manifest?.version ?? winner.tombstone?.version ?? 'unknown', !winner.manifest);
      }
      throw new QuorumNotReachedError(session.key, confirmed.length, session.writeQuorum);
    }
    this.logger.log(`stored "${session.key}" (${size} bytes, ${manifest.chunks.length} chunks) on ${confirmed.length}/${session.holders.length} holders`);
    await this.settleVersion(manifest.key, manifest.version, confirmed);
    return {
      key: session.key,
      version: session.version,
      size,
      contentHash,
      chunks: manifest.chunks.length,
      holders: session.holders,
      confirmed,
      writeQuorum: session.writeQuorum,
    };
  }

  /**
   * A store that is not acknowledged leaves no trace that can win later: an abort record for
   * exactly its version, here first, then on every member that is up (not only the holders that
   * confirmed: one whose reply was lost, or one anti-entropy copied the manifest to meanwhile,
   * must not keep it). Each removes the version if held and puts back the version it replaced;
   * anti-entropy carries the record to the members that missed it, and a commit or copy of the
   * version arriving later is refused. It touches no other version, so asking everyone is safe.
   */
  private async abortVersion(key: string, version: string, confirmed: string[]): Promise<void> {
    await this.local.applyAbort(key, version);
    const everyone = [...new Set([...confirmed, ...this.membership.upIds()])].filter((id) => !this.router.isSelf(id));
    const results = await Promise.allSettled(everyone.map((id) => this.router.abort(id, key, version)));
    const missed = results.filter((r) => r.status === 'rejected').length;
    if (missed) this.logger.warn(`abort of version ${version} of "${key}" did not reach ${missed} member(s) yet; anti-entropy will carry it`);
  }

  /**
   * An acknowledged store: its holders may free the version it replaced (kept for an abort).
   * Here at once; the other holders are told without waiting (one that misses it frees it
   * after PREVIOUS_HOLD_MS).
   */
  private async settleVersion(key: string, version: string, confirmed: string[]): Promise<void> {
    if (confirmed.some((id) => this.router.isSelf(id))) await this.local.settleStore(key, version).catch(() => undefined);
    for (const id of confirmed.filter((h) => !this.router.isSelf(h))) {
      this.router.settle(id, key, version).catch((err) => this.logger.debug(`settle of "${key}" at ${id.slice(0, 8)}: ${describeError(err)}`));
    }
  }

  /**
   * Stores a whole stream (the HTTP API's PUT): the same begin/chunk/commit path the CLI's
   * client protocol drives, fed from the request body one chunk at a time. `options` may
   * attach metadata computed from the content, or veto the commit (see StoreOptions).
   */
  async storeStream(key: string, source: AsyncIterable<Uint8Array | string>, options: StoreOptions = {}, client?: string): Promise<StoreResult> {
    const begin = await this.beginStore(key, client);
    try {
      for await (const chunk of chunkStream(source, begin.chunkSize)) {
        await this.storeChunk(begin.uploadId, chunk.index, chunk.hash, chunk.data);
      }
      return await this.commitStore(begin.uploadId, undefined, options);
    } finally {
      this.abortStore(begin.uploadId);
    }
  }

  abortStore(uploadId: string): void {
    const session = this.sessions.get(uploadId);
    if (!session) return;
    this.sessions.delete(uploadId);
    void this.releaseUpload(session);
  }

  /** Tells every holder of a failed or abandoned store to unpin its chunks and free unused ones. */
  private async releaseUpload(session: UploadSession, extra: string[] = []): Promise<void> {
    const hashes = [...new Set([...session.chunkHashes, ...[...session.done.values()].map((d) => d.hash), ...extra])];
    if (hashes.length === 0) return;
    const results = await Promise.allSettled(session.holders.map((id) => this.router.releaseChunks(id, hashes)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed) this.logger.warn(`${failed} holder(s) not told to free the chunks of the failed store of "${session.key}"; the orphan sweep will`);
  }

  /** The newest live manifest of a key across its holders, or FileNotFoundError. */
  /** The newest live manifest of a key (a get's first step, measured as the get operation). */
  manifest(rawKey: string): Promise<FileManifest> {
    return this.measured('get', Date.now(), this.findManifest(rawKey));
  }

  /** The chunk list of this version of a key (for a client fetching a large manifest in segments). */
  async chunkList(rawKey: string, version: string): Promise<string[]> {
    const manifest = await this.findManifest(rawKey);
    if (manifest.version !== version) throw new StorageProtocolError(`"${manifest.key}" changed (now version ${manifest.version}) while its manifest was read; try again`);
    return manifest.chunks;
  }

  private async findManifest(rawKey: string): Promise<FileManifest> {
    const key = validateKey(rawKey);
    // The answers of this read so far, by node: each holder is asked once however far it goes.
    const answered = new Map<string, ManifestReport>();
    const settled = await this.quorumLookup(key, answered);
    if (settled) return settled;
    let found = await this.lookup(key, this.holdersFor(key), answered);
    if (!found.manifest && !found.tombstone) {
      // Placement may have moved since the store: ask every alive member before giving up.
      found = await this.lookup(key, this.membership.placementIds(), answered);
    }
    if (!found.manifest) throw new FileNotFoundError(key);
    return found.manifest;
  }

  /**
   * One chunk of a key's file: from this node if it holds it, else from a holder. A holder
   * re-hashes what it reads, so a damaged file on its disk is never sent; this node hashes the
   * bytes again unless `callerVerifies` (the CLI verifies every chunk end to end and asks again
   * with verification on if one arrives wrong), which spares a SHA-256 per chunk per hop.
   */
  async chunk(rawKey: string, hash: string, callerVerifies = false): Promise<Buffer> {
    const key = validateKey(rawKey);
    let sources = this.sources.get(key);
    if (!sources || Date.now() - sources.at > SOURCES_TTL_MS) {
      await this.findManifest(key);
      sources = this.sources.get(key);
    }
    const holdsHere = sources?.nodeIds.some((id) => this.router.isSelf(id)) ?? false;
    if (holdsHere) {
      try {
        return await this.local.getChunk(hash);
      } catch (err) {
        this.logger.warn(`local copy of chunk ${hash.slice(0, 12)} unusable (${describeError(err)}); trying the other holders`);
      }
    }
    const candidates = spreadByChunk((sources?.nodeIds ?? []).filter((id) => !this.router.isSelf(id)), hash);
    let lastError: unknown;
    for (const nodeId of candidates) {
      try {
        const data = await this.router.getChunk(nodeId, hash, !callerVerifies);
        // This node should have had the chunk (damaged or missing): keep a copy, checked once
        // (here by the store if the fetch above did not check it).
        if (holdsHere) await this.local.putChunk(hash, data, { alreadyVerified: !callerVerifies }).catch(() => undefined);
        return data;
      } catch (err) {
        lastError = err;
        this.logger.warn(`chunk ${hash.slice(0, 12)} from ${nodeId.slice(0, 8)} failed: ${describeError(err)}; trying the next holder`);
      }
    }
    if (lastError) throw lastError;
    throw new ChunkNotFoundError(hash);
  }

  /**
   * One chunk from this node's own disk, or ChunkNotFoundError: for a client that reads chunks
   * straight from the holders, and falls back to its node otherwise. Not hashed when
   * `callerVerifies` (the client checks every chunk, and asks again with verification when one
   * is wrong, which moves a damaged file aside here).
   */
  heldChunk(rawKey: string, hash: string, callerVerifies = false): Promise<Buffer> {
    validateKey(rawKey);
    return this.local.getChunk(hash, !callerVerifies);
  }

  /** The holders of this version of a key, with the addresses a client dials them at. */
  async sourcesOf(rawKey: string, version: string): Promise<Array<{ nodeId: string; address: string }>> {
    const manifest = await this.findManifest(rawKey);
    if (manifest.version !== version) throw new StorageProtocolError(`"${manifest.key}" changed (now version ${manifest.version}) while it was read; try again`);
    const nodeIds = this.sources.get(manifest.key)?.nodeIds ?? [];
    return nodeIds.flatMap((nodeId) => {
      const address = this.membership.addressOf(nodeId);
      return address ? [{ nodeId, address }] : [];
    });
  }

  delete(rawKey: string): Promise<DeleteResult> {
    return this.measured('delete', Date.now(), this.deleteKey(rawKey));
  }

  private async measured<T>(op: 'store' | 'get' | 'delete', startedAt: number, work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      this.onOperation?.(op, true, (Date.now() - startedAt) / 1000);
      return result;
    } catch (err) {
      this.onOperation?.(op, false, (Date.now() - startedAt) / 1000);
      throw err;
    }
  }

  /**
   * A delete is acknowledged when a write quorum of the key's placed holders (over every known
   * member, as for a store) holds its tombstone; it also goes to every other alive member, and
   * anti-entropy gives it to the placed holders it missed. With too few placed holders up it is
   * refused before anything is applied.
   */
  private async deleteKey(rawKey: string): Promise<DeleteResult> {
    const key = validateKey(rawKey);
    await this.findManifest(key);
    const { placed, reachable, writeQuorum } = this.placedHolders(key);
    if (reachable.length < writeQuorum) throw new DeleteQuorumNotReachedError(key, reachable.length, writeQuorum, false);
    const version = this.versions.next();
    await this.local.applyTombstone(key, version);
    const others = [...new Set([...reachable, ...this.membership.alive().map((m) => m.nodeId)])].filter((id) => !this.router.isSelf(id));
    const results = await Promise.allSettled(others.map((id) => this.router.tombstone(id, key, version)));
    const holding = new Set(others.filter((_, i) => results[i].status === 'fulfilled'));
    const confirmed = placed.filter((id) => this.router.isSelf(id) || holding.has(id)).length;
    this.sources.delete(key);
    if (confirmed < writeQuorum) throw new DeleteQuorumNotReachedError(key, confirmed, writeQuorum, true);
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed) this.logger.warn(`delete of "${key}" did not reach ${failed} member(s) yet`);
    return { key, version };
  }

  /**
   * Where a key's copies are: for every node placement picks and every alive member that
   * reports a copy, whether it holds the newest manifest and whether it is placed there.
   */
  async replicas(rawKey: string): Promise<ReplicaReport> {
    const key = validateKey(rawKey);
    const placed = this.holdersFor(key);
    const everyone = [...new Set([...placed, ...this.membership.placementIds()])];
    const reports = await Promise.allSettled(everyone.map((id) => this.router.report(id, key)));
    const newest = await this.findManifest(key).catch(() => null);
    const nodes = everyone.map((nodeId, i) => {
      const r = reports[i];
      const version = r.status === 'fulfilled' ? r.value?.manifest?.version ?? null : null;
      return {
        nodeId,
        address: this.membership.addressOf(nodeId) ?? 'unknown',
        placed: placed.includes(nodeId),
        reachable: r.status === 'fulfilled',
        version,
        current: Boolean(newest && version === newest.version),
        error: r.status === 'rejected' ? describeError(r.reason) : undefined,
      };
    });
    return { key, version: newest?.version ?? null, replicas: this.config.replicas, nodes: nodes.filter((n) => n.placed || n.version) };
  }

  private async acceptChunk(session: UploadSession, index: number, hash: string, data: Buffer): Promise<{ received: number }> {
    session.lastActivity = Date.now();
    if (!Number.isSafeInteger(index) || index < session.nextIndex || index >= session.nextIndex + MAX_CHUNKS_AHEAD || session.inflight.has(index) || session.done.has(index)) {
      throw new StorageProtocolError(`chunk ${index} arrived, expected ${session.nextIndex} to ${session.nextIndex + MAX_CHUNKS_AHEAD - 1}`);
    }
    if (data.length === 0 || data.length > session.chunkSize) throw new StorageProtocolError(`chunk ${index} has ${data.length} bytes`);
    if (sha256Hex(data) !== hash) throw new ChunkCorruptError(hash, `chunk ${index} as received`);
    const targets = [...session.live];
    const results = await Promise.allSettled(targets.map((id) => this.router.putChunk(id, hash, data, true)));
    results.forEach((r, i) => {
      if (r.status === 'rejected' && session.live.delete(targets[i])) {
        this.logger.warn(`holder ${targets[i].slice(0, 8)} dropped out of the store of "${session.key}": ${describeError(r.reason)}`);
      }
    });
    if (session.live.size < session.writeQuorum) {
      this.sessions.delete(session.id);
      await this.releaseUpload(session, [hash]);
      // Say why when it is the disk: "quorum not reached" would send the user looking at the network.
      if (results.some((r) => r.status === 'rejected' && (r.reason as { code?: unknown })?.code === 'DISK_FULL')) {
        throw new DiskFullError(`too few holders of "${session.key}" had room for chunk ${index} (${session.live.size} of the ${session.writeQuorum} needed); nothing was stored`);
      }
      throw new QuorumNotReachedError(session.key, session.live.size, session.writeQuorum);
    }
    // A holder that failed may still have the bytes queued on its socket: keep them then.
    session.done.set(index, { hash, data, reusable: results.every((r) => r.status === 'fulfilled') });
    session.advance();
    return { received: session.chunkHashes.length };
  }

  /**
   * A quorum read (quorum-read.ts): R of the key's reachable placed holders, this node first.
   * Their manifest when their answers settle it and it has at most one chunk; undefined
   * otherwise (and when one of them fails), and the caller asks the other holders, handing
   * over in `answered` the answers this read already has (they were given after the read
   * began, so they hold every write acknowledged before it as much as a second asking would).
   */
  private async quorumLookup(key: string, answered: Map<string, ManifestReport>): Promise<FileManifest | undefined> {
    const { placed, reachable, writeQuorum } = this.placedHolders(key);
    const isSelf = (id: string) => this.router.isSelf(id);
    let asked = quorumReadSet(reachable, isSelf, readQuorum(placed.length, writeQuorum), this.readTurn++);
    if (asked.length === 0) return undefined;
    // A file of several chunks is read from every holder that has it (spreadByChunk): when this
    // node's own copy says so, it asks them all at once rather than R of them first.
    const self = asked.find(isSelf);
    if (self) {
      const own = await this.router.report(self, key).catch(() => undefined);
      if (own) answered.set(self, own);
      if (!own || (own.manifest?.chunks.length ?? 0) > 1) return undefined;
      asked = asked.filter((id) => id !== self);
    }
    // This node's own abort records count even when it is not asked (its report carries them when it is).
    const [results, abortedHere] = await Promise.all([
      Promise.allSettled(asked.map((id) => this.router.report(id, key))),
      self ? [] : this.local.abortedVersions(key),
    ]);
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') answered.set(asked[i], r.value);
    });
    if (results.some((r) => r.status === 'rejected')) return undefined;
    const reports = [...answered.values()];
    const manifest = settledManifest(reports, abortedHere, placed);
    if (!manifest || manifest.chunks.length > 1) return undefined;
    this.versions.observe(manifest.version);
    for (const r of reports) if (r.tombstone) this.versions.observe(r.tombstone.version);
    this.sources.set(key, { version: manifest.version, nodeIds: [...answered.keys()], at: Date.now() });
    return manifest;
  }

  /**
   * The newest manifest and tombstone of a key among these nodes. A version any of them (or
   * this node) knows as aborted is passed over: a holder that missed the abort may still have it.
   */
  private async lookup(key: string, nodeIds: string[], answered = new Map<string, ManifestReport>()): Promise<ManifestReport> {
    const reports = await Promise.allSettled(nodeIds.map((id) => answered.get(id) ?? this.router.report(id, key)));
    reports.forEach((r, i) => {
      if (r.status === 'fulfilled') answered.set(nodeIds[i], r.value);
    });
    // This node's own abort records count even when it is not asked (its report carries them when it is).
    const selfAnswered = nodeIds.some((id, i) => this.router.isSelf(id) && reports[i].status === 'fulfilled');
    const aborted = new Set(selfAnswered ? [] : await this.local.abortedVersions(key));
    for (const r of reports) if (r.status === 'fulfilled') r.value?.aborted?.forEach((v) => aborted.add(v));
    let manifest: FileManifest | null = null;
    let tombstone: ManifestReport['tombstone'] = null;
    const holders = new Map<string, string[]>();
    reports.forEach((r, i) => {
      if (r.status !== 'fulfilled' || !r.value) return;
      const m = r.value.manifest && !aborted.has(r.value.manifest.version) ? r.value.manifest : null;
      if (m && (!manifest || compareVersions(m.version, manifest.version) > 0)) manifest = m;
      if (m) holders.set(m.version, [...(holders.get(m.version) ?? []), nodeIds[i]]);
      const t = r.value.tombstone;
      if (t && (!tombstone || compareVersions(t.version, tombstone.version) > 0)) tombstone = t;
    });
    const winner = manifest as FileManifest | null;
    const grave = tombstone as ManifestReport['tombstone'];
    if (winner) this.versions.observe(winner.version);
    if (grave) this.versions.observe(grave.version);
    if (winner && grave && compareVersions(grave.version, winner.version) >= 0) return { manifest: null, tombstone: grave };
    if (winner) this.sources.set(key, { version: winner.version, nodeIds: holders.get(winner.version) ?? [], at: Date.now() });
    return { manifest: winner, tombstone: grave };
  }

  private session(uploadId: string): UploadSession {
    const session = this.sessions.get(String(uploadId));
    if (!session) throw new UploadNotFoundError(String(uploadId));
    return session;
  }

  private admitUpload(client: string | undefined): void {
    this.expireSessions();
    if (this.sessions.size >= MAX_UPLOADS) throw new TooManyUploadsError(this.sessions.size, MAX_UPLOADS, 'this node');
    if (client === undefined) return;
    let open = 0;
    for (const s of this.sessions.values()) if (s.client === client) open += 1;
    if (open >= MAX_UPLOADS_PER_CLIENT) throw new TooManyUploadsError(open, MAX_UPLOADS_PER_CLIENT, 'this client');
  }

  /**
   * Memos past their TTL are never used again (a read looks the key up anew), so they go: every
   * overwrite and read adds one, and a key that is not read again would keep its memo forever.
   */
  private forgetStaleSources(now = Date.now()): void {
    for (const [key, s] of this.sources) if (now - s.at > SOURCES_TTL_MS) this.sources.delete(key);
  }

  private expireSessions(now = Date.now()): void {
    for (const [id, s] of this.sessions) {
      const idle = now - s.lastActivity;
      if (idle <= SESSION_IDLE_MS && !(s.done.size > 0 && idle > STALLED_SESSION_MS)) continue;
      this.sessions.delete(id);
      void this.releaseUpload(s);
    }
  }
}

/**
 * The holders in an order that starts at a different one for each chunk (chosen by its hash),
 * so the chunks of one large read are served by all holders at once instead of all by the
 * first; the rest of the list is the failover order.
 */
function spreadByChunk(holders: string[], hash: string): string[] {
  if (holders.length < 2) return holders;
  const start = parseInt(hash.slice(0, 8), 16) % holders.length;
  return [...holders.slice(start), ...holders.slice(0, start)];
}
