/**
 * The CLI's side of the client protocol: talks to the first reachable node of --bootstrap as
 * a short-lived client (handshake role "client", so it is never a member or a holder).
 * One code path per operation; chunks stream with a small window so memory stays bounded
 * (a few chunks) whatever the file's size, and every chunk is verified end to end.
 */
import { randomBytes } from 'node:crypto';
import { InvalidInputError, describeError } from '../common/errors';
import { formatHostPort, parseAddressList } from '../config/address';
import { parseDuration } from '../config/units';
import { PeerConnectionPool } from '../transport/connection-pool';
import { NodeIdentity } from '../transport/node-identity';
import { Keyring } from '../transport/keyring';
import { TransportSecurity, plaintextForBenchmark } from '../transport/tls/transport-security';
import { noPins } from '../transport/tls/pin-store';
import { readSecretFile } from '../config/secret-list';
import { P2pError } from '../common/errors';
import { PeerUnreachableError } from '../transport/transport.errors';
import { Chunk, chunkStream, sha256Hex } from '../storage/chunker';
import { ChunkCorruptError } from '../storage/storage.errors';
import { FileManifest, StoragePatterns, StoreResult, DeleteResult } from '../storage/storage.types';
import { NotANodeError } from './cli.errors';
import { ClientOptions } from './options';
import { completeChunks } from '../storage/manifest-segments';
import { parseManifest } from '../storage/manifest-validation';
import { connectToNode } from './protocol-probe';
import { releaseFrameBuffer } from '../transport/codec/frame-buffers';
import { HolderReads } from './holder-reads';

/** Chunks in flight at once between the CLI and its node (the node accepts up to 8 ahead). */
const WINDOW = 6;

export class NodeClient {
  private address: string | undefined;
  /** A get reads chunks straight from their holders when it can reach them (holder-reads.ts). */
  readFromHolders = true;

  private constructor(
    private readonly pool: PeerConnectionPool,
    private readonly candidates: string[],
    private readonly timeoutMs: number,
  ) {}

  static fromOptions(options: ClientOptions): NodeClient {
    const list = parseAddressList(options.bootstrap ?? '127.0.0.1:3000');
    if (!list || list.length === 0) throw new InvalidInputError(`--bootstrap "${options.bootstrap}" must be a comma-separated list of host:port`);
    const timeoutMs = parseDuration(options.timeout ?? '60s');
    if (timeoutMs === undefined || timeoutMs <= 0) throw new InvalidInputError(`--timeout "${options.timeout}" is not a duration`);
    if (options.clusterSecret !== undefined) {
      throw new InvalidInputError('a client proves the API token, never the cluster secret: use --api-token, P2P_API_TOKEN or --api-token-file');
    }
    const token = clientToken(options);
    const identity = new NodeIdentity({
      nodeId: randomBytes(16).toString('hex'),
      clusterId: options.clusterId || 'p2p-storage',
      secrets: new Keyring(token ? [token] : []),
      fingerprint: '',
      listenHost: '127.0.0.1',
      explicitAdvertise: 'client:0',
      role: 'client',
    });
    // A client has no key of its own: it checks the node by the node's proof of the token.
    const security = new TransportSecurity(undefined, noPins, plaintextForBenchmark());
    return new NodeClient(new PeerConnectionPool(identity, security), list.map(formatHostPort), timeoutMs);
  }

  /** The node this client talks to: the first of --bootstrap that completes a handshake. */
  async connect(): Promise<string> {
    if (this.address) return this.address;
    const problems: string[] = [];
    for (const candidate of this.candidates) {
      try {
        await connectToNode(this.pool, candidate);
        this.address = candidate;
        return candidate;
      } catch (err) {
        // A refused handshake (wrong secret) is final: say so rather than "unreachable".
        if (err instanceof P2pError && err.code === 'HANDSHAKE_FAILED') throw err;
        // Alone, the address's own error is the whole story ("cannot reach …: connect
        // ECONNREFUSED", "… answers HTTP, …"): said once, not wrapped in a list of one.
        if (this.candidates.length === 1) throw err;
        if (err instanceof NotANodeError) problems.push(err.message);
        else problems.push(`${candidate} (${err instanceof PeerUnreachableError ? err.reason : describeError(err)})`);
      }
    }
    throw new PeerUnreachableError(this.candidates.join(','), `no node answered: ${problems.join('; ')}`);
  }

  async store(key: string, source: AsyncIterable<Uint8Array>, onProgress?: (bytes: number) => void): Promise<StoreResult> {
    const begin = await this.call<{ uploadId: string; chunkSize: number }>(StoragePatterns.clientStoreBegin, { key });
    let sent = 0;
    try {
      // Each chunk carries its own hash and the node checks it; the node computes the file's
      // content hash from the chunks in order.
      await runWindowed(chunkStream(source, begin.chunkSize), WINDOW, async (chunk: Chunk) => {
        await this.call(StoragePatterns.clientStoreChunk, { uploadId: begin.uploadId, index: chunk.index, hash: chunk.hash, blob: chunk.data });
        sent += chunk.data.length;
        onProgress?.(sent);
      });
      return await this.call<StoreResult>(StoragePatterns.clientStoreCommit, { uploadId: begin.uploadId });
    } catch (err) {
      await this.call(StoragePatterns.clientStoreAbort, { uploadId: begin.uploadId }).catch(() => undefined);
      throw err;
    }
  }

  /** The manifest of a key, its chunk list fetched in segments when it is long (manifest-segments.ts). */
  async manifest(key: string): Promise<FileManifest> {
    const head = await this.call<{ version?: unknown }>(StoragePatterns.clientGetManifest, { key });
    const segment = (from: number) => this.call<{ chunks?: unknown }>(StoragePatterns.clientGetChunks, { key, version: head?.version, from }).then((r) => r?.chunks);
    return parseManifest(await completeChunks(head, segment));
  }

  /**
   * Streams a file's chunks in order to `write`, each checked against the manifest's chunk
   * list (which covers the whole file). `fromChunk` skips chunks the caller already has (resume). `write` must be done
   * with the bytes when its promise resolves: their buffer then receives a later chunk.
   */
  async get(manifest: FileManifest, write: (data: Buffer) => Promise<void>, fromChunk = 0, onProgress?: (bytes: number) => void): Promise<void> {
    let done = fromChunk * manifest.chunkSize;
    const indexes = manifest.chunks.map((_, i) => i).slice(fromChunk);
    const fetches = new Map<number, Promise<Buffer>>();
    const fetchChunk = async (i: number, nodeVerifies: boolean): Promise<Buffer> => {
      const reply = await this.call<{ blob?: Buffer }>(StoragePatterns.clientGetChunk, { key: manifest.key, hash: manifest.chunks[i], verify: nodeVerifies });
      const blob = reply?.blob ?? Buffer.alloc(0);
      if (sha256Hex(blob) !== manifest.chunks[i]) throw new ChunkCorruptError(manifest.chunks[i], `chunk ${i} as received`);
      return blob;
    };
    // Straight from a holder when one can be reached (holder-reads.ts), else through the node.
    const holders = this.readFromHolders ? await HolderReads.open(this.pool, manifest, (pattern, data) => this.call(pattern, data), this.timeoutMs) : undefined;
    // The node passes chunks on without hashing them again (this client does); a bad one is
    // asked for once more with the node verifying, so it fails over to another holder.
    const viaNode = (i: number) =>
      fetchChunk(i, false).catch((err) => {
        if (!(err instanceof ChunkCorruptError)) throw err;
        return fetchChunk(i, true);
      });
    const fetch = async (i: number) => (holders && holders.size > 0 ? await holders.fetch(manifest, i) : undefined) ?? viaNode(i);
    for (let n = 0; n < indexes.length; n++) {
      for (let k = n; k < Math.min(indexes.length, n + WINDOW); k++) {
        if (fetches.has(indexes[k])) continue;
        const ahead = fetch(indexes[k]);
        // A fetch ahead may fail while an earlier chunk is awaited (the node went away): that
        // failure reaches the caller when its turn comes, or never, once an earlier one threw;
        // it must not surface as an unhandled rejection that kills the process.
        ahead.catch(() => undefined);
        fetches.set(indexes[k], ahead);
      }
      const data = await fetches.get(indexes[n])!;
      fetches.delete(indexes[n]);
      await write(data);
      done += data.length;
      // Written: its buffer takes the next chunk that arrives (no 1 MiB allocation per chunk).
      releaseFrameBuffer(data);
      onProgress?.(done);
    }
  }

  delete(key: string): Promise<DeleteResult> {
    return this.call<DeleteResult>(StoragePatterns.clientDelete, { key });
  }

  close(): void {
    this.pool.closeAll();
  }

  async call<T>(pattern: string, data: object): Promise<T> {
    const address = await this.connect();
    return this.pool.request<T>(address, pattern, data, this.timeoutMs);
  }
}

/** --api-token, else the first line of --api-token-file, else none (an open node). */
function clientToken(options: ClientOptions): string | undefined {
  if (options.apiToken && options.apiTokenFile) throw new InvalidInputError('give --api-token or --api-token-file, not both');
  if (options.apiTokenFile) return readSecretFile(options.apiTokenFile, 'api-token-file')[0];
  return options.apiToken || undefined;
}

/**
 * Runs `work` over an async sequence with at most `window` items in flight, counted from the
 * oldest unfinished one (the node accepts chunks only that far ahead of the next it expects).
 */
async function runWindowed<T>(items: AsyncIterable<T>, window: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue: Array<Promise<void>> = [];
  // The earliest item's error is the cause: once the node drops an upload (a full disk), the
  // chunks after it fail with "not in progress", and one of those may settle first.
  let failure: { at: number; err: unknown } | undefined;
  let n = 0;
  for await (const item of items) {
    if (failure) break;
    const at = n++;
    queue.push(
      work(item).catch((err) => {
        if (!failure || at < failure.at) failure = { at, err };
      }),
    );
    if (queue.length >= window) await queue.shift();
  }
  await Promise.all(queue);
  if (failure) throw failure.err;
}

