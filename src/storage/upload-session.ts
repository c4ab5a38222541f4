/**
 * A store in progress on its coordinator: which holders are still in, what has been received,
 * the running content hash. A client may send a few chunks ahead; each is checked against its
 * hash before it is forwarded, chunks are replicated concurrently, and they enter the content
 * hash in index order. Nothing is visible to readers until commit.
 */
import { randomBytes } from 'node:crypto';
import { FileHasher } from './chunker';
import { releaseFrameBuffer } from '../transport/codec/frame-buffers';

export class UploadSession {
  readonly id = randomBytes(12).toString('hex');
  readonly hasher = new FileHasher();
  readonly chunkHashes: string[] = [];
  /** Holders that have every chunk so far; a holder that fails once is out of this store. */
  readonly live: Set<string>;
  readonly startedAt = Date.now();
  lastActivity = Date.now();
  /** Who opened it (for the per-client cap); undefined for this node's own uploads. */
  client: string | undefined;
  /** Chunks being replicated now, by index (a client pipelines up to MAX_CHUNKS_AHEAD). */
  readonly inflight = new Map<number, Promise<unknown>>();
  /**
   * Replicated chunks waiting for an earlier index before they enter the content hash.
   * `reusable`: every holder took the chunk, so once hashed nothing refers to its bytes.
   */
  readonly done = new Map<number, { hash: string; data: Buffer; reusable: boolean }>();

  constructor(
    readonly key: string,
    readonly version: string,
    /** Every holder placement picks over the known members, up or not. */
    readonly holders: string[],
    /** The holders that can be written to now (this node and the members not known dead). */
    reachable: string[],
    readonly writeQuorum: number,
    readonly chunkSize: number,
  ) {
    this.live = new Set(reachable);
  }

  get nextIndex(): number {
    return this.chunkHashes.length;
  }

  /** Moves every replicated chunk that is next in order into the hash and the chunk list. */
  advance(): void {
    for (let next = this.done.get(this.nextIndex); next; next = this.done.get(this.nextIndex)) {
      this.done.delete(this.nextIndex);
      this.hasher.update(next.data);
      this.chunkHashes.push(next.hash);
      // The chunk's receive buffer takes a later chunk (see transport/codec/frame-buffers).
      if (next.reusable) releaseFrameBuffer(next.data);
    }
  }
}
