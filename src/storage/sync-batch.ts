/**
 * Anti-entropy in batches: one message moves the manifests, chunks or commits of many keys,
 * instead of three or four round trips and one fsynced transaction per key. A node catching
 * up on many small files is then bound by its disk, not by round trips.
 *
 *   storage.sync.reports  { keys }                      -> { reports: [{ key, manifest, tombstone }] }
 *   storage.sync.offer    { items: [{ key, version, hashes }] } -> { wanted: [{ key, missing }] }
 *   storage.chunk.getMany { hashes }                    -> { chunks: [{ hash, size }], missing, blob }
 *   storage.chunk.putMany { chunks: [{ hash, size }], blob } -> { stored }
 *   storage.manifest.commitMany { items: [{ manifest, holders }] } -> { results: [{ saved } | { error }] }
 *
 * A reply carries what fits in its limits (at least one item) and the asker asks again for the
 * rest, so no reply grows with the batch. Several chunks travel in one binary payload,
 * back to back, with their sizes in the JSON part. The patterns are in SyncPatterns (sync.types.ts).
 */
import { StorageProtocolError } from './storage-protocol.errors';

/** Keys per batch of pulls or pushes (and the most a peer may ask about in one message). */
export const SYNC_BATCH_KEYS = 256;
/** Chunk hashes named in one message. */
export const SYNC_BATCH_HASHES = 4096;
/** Chunk bytes in one message's payload (frames are capped at 8 MiB; chunks at 1 MiB each). */
export const SYNC_BATCH_CHUNK_BYTES = 4 * 1024 * 1024;
/** JSON bytes of manifests in one reply or request: half the 1 MiB body limit. */
export const SYNC_BATCH_JSON_BYTES = 512 * 1024;

const HASH = /^[0-9a-f]{64}$/;

/**
 * The first items, in order, whose JSON adds up to at most SYNC_BATCH_JSON_BYTES (always at
 * least one): a reply of many keys' reports that the asker completes by asking for the rest.
 */
export function firstThatFit<T>(items: readonly T[]): T[] {
  const out: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (out.length > 0 && bytes + size > SYNC_BATCH_JSON_BYTES) break;
    out.push(item);
    bytes += size;
  }
  return out;
}

export interface PackedChunks {
  chunks: Array<{ hash: string; size: number }>;
  blob: Buffer;
}

/** Several chunks as one payload. */
export function packChunks(items: ReadonlyArray<{ hash: string; data: Buffer }>): PackedChunks {
  return { chunks: items.map((c) => ({ hash: c.hash, size: c.data.length })), blob: Buffer.concat(items.map((c) => c.data)) };
}

/** The chunks of an untrusted packed payload (their hashes are checked by whoever stores them). */
export function unpackChunks(msg: unknown): Array<{ hash: string; data: Buffer }> {
  const { chunks, blob } = (msg ?? {}) as { chunks?: unknown; blob?: unknown };
  const payload = Buffer.isBuffer(blob) ? blob : Buffer.alloc(0);
  if (!Array.isArray(chunks) || chunks.length > SYNC_BATCH_HASHES) throw new StorageProtocolError('field "chunks" must be a list');
  const out: Array<{ hash: string; data: Buffer }> = [];
  let at = 0;
  for (const c of chunks as Array<{ hash?: unknown; size?: unknown }>) {
    if (typeof c?.hash !== 'string' || !HASH.test(c.hash) || !Number.isSafeInteger(c.size) || (c.size as number) < 0) throw new StorageProtocolError('packed chunk invalid');
    const size = c.size as number;
    if (at + size > payload.length) throw new StorageProtocolError('packed chunks longer than their payload');
    out.push({ hash: c.hash, data: payload.subarray(at, at + size) });
    at += size;
  }
  if (at !== payload.length) throw new StorageProtocolError('packed chunks shorter than their payload');
  return out;
}

/** An untrusted list of strings of at most `max` entries. */
/**
 * The `items` of a batch message: a list of at most SYNC_BATCH_KEYS entries. Each entry is
 * still untrusted (any value, so T's fields must all be optional): the caller checks each.
 */
export function batchItems<T extends Record<string, unknown>>(msg: unknown): Array<Partial<T> | null | undefined> {
  const raw = (msg as { items?: unknown })?.items;
  if (!Array.isArray(raw) || raw.length > SYNC_BATCH_KEYS) throw new StorageProtocolError(`field "items" must be a list of at most ${SYNC_BATCH_KEYS}`);
  return raw as Array<Partial<T> | null | undefined>;
}

export function stringList(x: unknown, field: string, max: number): string[] {
  if (!Array.isArray(x) || x.length > max || !x.every((s) => typeof s === 'string' && s.length <= 4096)) {
    throw new StorageProtocolError(`field "${field}" must be a list of at most ${max} strings`);
  }
  return x as string[];
}

/** Splits items into runs whose `size` adds up to at most `max` each (an item larger than `max` runs alone). */
export function runsOf<T>(items: readonly T[], size: (t: T) => number, max: number, maxCount = Infinity): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const s = size(item);
    if (run.length > 0 && (bytes + s > max || run.length >= maxCount)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += s;
  }
  if (run.length) runs.push(run);
  return runs;
}

/** Chunk writes of one batch in flight at once: each waits on its own fsync, which the disk can overlap. */
export const CHUNK_WRITES_IN_FLIGHT = 8;
/** Chunk files read at once to answer one message (each read is a few calls on libuv's pool). */
export const CHUNK_READS_IN_FLIGHT = 16;

/**
 * Batches of one round's pulls (or pushes) under way at once: while one batch's manifests are
 * committed, the next one's reports and chunks are on the wire (one after the other, a batch
 * spent most of its time waiting on the peer or on the disk, and the node was mostly idle).
 * Their commits meet in one group-committed transaction.
 */
export const SYNC_BATCHES_IN_FLIGHT = 3;

/**
 * Runs `work` on every item, at most `limit` at a time; resolves with the results in the items'
 * order, or rejects with the first failure once all settled.
 */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (next < items.length) {
      const at = next++;
      await work(items[at]).then((r) => (results[at] = r), (err) => (failure ??= { err }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
  return results;
}

/** How long a version asked for in an offer is kept from other pushers: far longer than a batch's chunks and commit take. */
const PROMISE_MS = 60_000;
/** Versions promised at once, at most (each a key and a version). */
const MAX_PROMISES = 100_000;

/**
 * A node back from an absence is pushed the same new versions by every peer at once; the
 * first offer of a version gets it and the others are told "not wanted" for PROMISE_MS, so
 * the chunks travel once. Should that push fail, a later round offers the version again.
 */
export class OfferPromises {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True (and promised now) unless promised to an offer less than PROMISE_MS ago. */
  take(id: string): boolean {
    const now = this.now();
    const at = this.until.get(id);
    if (at !== undefined && at > now) return false;
    this.prune(now);
    if (this.until.size >= MAX_PROMISES) this.until.delete(this.until.keys().next().value as string);
    this.until.delete(id);
    this.until.set(id, now + PROMISE_MS);
    return true;
  }

  /** The version did not come after all (its pull failed): another offer or pull may take it now. */
  release(id: string): void {
    this.until.delete(id);
  }

  /** Promises kept (some may have run out since the last prune). */
  get size(): number {
    return this.until.size;
  }

  /**
   * Forgets the promises that ran out. They are kept in the order they were made and all last
   * PROMISE_MS, so those that ran out are the first ones. Anti-entropy prunes every round: a
   * node back empty promised 100,000 versions (about 140 bytes each) and kept them all until as
   * many new promises pushed them out.
   */
  prune(now = this.now()): void {
    for (const [id, until] of this.until) {
      if (until > now) break;
      this.until.delete(id);
    }
  }
}
