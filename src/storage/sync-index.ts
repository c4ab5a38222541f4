/**
 * What anti-entropy compares, kept in memory: every manifest, tombstone and abort this node
 * holds, one record per key (indexed-key.ts), by digest bucket and in key order within each
 * bucket, as of one data generation. It is brought up to date key by key from the writes since
 * (write-lock.ts, changedSince) and read whole only at start or when those writes are not
 * known: with 100,000 keys a whole read and its hashing cost about a second of CPU, a round
 * after a few writes costs a few rows. Hashing yields to the event loop every KEYS_PER_SLICE keys.
 *
 * There is no map by key: a key is found by its bucket and a binary search in it, and the
 * sorted buckets are what shared views and digest pages read as they are. A bucket's array is
 * never changed once made: a refresh makes new arrays for the buckets it touched, so a view
 * that holds the old ones keeps a consistent picture, and a view sharing every key of a bucket
 * with its peer holds the index's own array (no copy per peer).
 */
import { FileRepository } from '../peer-repository/file.repository';
import { StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { IndexedKey, byKey } from './indexed-key';
import { BUCKETS, SyncEntry, bucketOf } from './sync-digest';

export { IndexedKey };

/** Keys read per query when bringing the index up to date (well within SQLite's bound on parameters). */
const KEYS_PER_READ = 500;
/** Keys handled between two yields to the event loop, so that no step blocks it for long. */
export const KEYS_PER_SLICE = 2_000;

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Where `key` is in a bucket sorted by key, or where it would go (as the bitwise complement). */
export function searchBucket(bucket: readonly IndexedKey[], key: string): number {
  let lo = 0;
  let hi = bucket.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = bucket[mid].key;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return ~lo;
}

const EMPTY: readonly IndexedKey[] = [];

export class SyncIndex {
  /** The data generation the records are as of (-1: not read yet). */
  generation = -1;
  /** Per bucket, the records sorted by key; an array is replaced, never changed. */
  private sorted: ReadonlyArray<readonly IndexedKey[]> = Array.from({ length: BUCKETS }, () => EMPTY);

  constructor(
    private readonly files: FileRepository,
    private readonly tombstones: TombstoneRepository,
    private readonly outcomes: StoreOutcomeRepository,
  ) {}

  get(key: string): IndexedKey | undefined {
    const bucket = this.sorted[bucketOf(key)];
    const at = searchBucket(bucket, key);
    return at >= 0 ? bucket[at] : undefined;
  }

  /** The records of bucket `b`, sorted by key (never changed: a refresh replaces it). */
  bucket(b: number): readonly IndexedKey[] {
    return this.sorted[b];
  }

  *records(): IterableIterator<IndexedKey> {
    for (const bucket of this.sorted) yield* bucket;
  }

  /**
   * Brings the records up to the current data generation (callers never run two at once).
   * Returns the keys written since the last refresh, or undefined when it read everything.
   */
  async refresh(): Promise<ReadonlySet<string> | undefined> {
    // Taken before reading: a write that finishes meanwhile is read again next time.
    const generation = this.files.generation();
    if (generation === this.generation) return new Set();
    const changed = this.generation < 0 ? undefined : this.files.changedSince(this.generation);
    if (changed) await this.readKeys([...changed]);
    else await this.readAll();
    this.generation = generation;
    return changed;
  }

  private async readAll(): Promise<void> {
    // Tombstones and aborts are few; manifests are read a page at a time, each key's record made at once.
    const [graves, aborts] = await Promise.all([this.tombstones.list(), this.outcomes.list()]);
    const others = new Map<string, SyncEntry[]>();
    const add = (e: SyncEntry) => {
      const list = others.get(e.key);
      if (list) list.push(e);
      else others.set(e.key, [e]);
    };
    for (const t of graves) add({ key: t.key, kind: 't', version: t.version });
    for (const a of aborts) add({ key: a.key, kind: 'a', version: a.version });
    const fresh: IndexedKey[][] = Array.from({ length: BUCKETS }, () => []);
    const put = (r: IndexedKey) => fresh[r.bucket].push(r);
    for (let after: string | undefined, page; (page = await this.files.versionsAfter(after, KEYS_PER_SLICE)).length > 0; after = page[page.length - 1].key) {
      for (const { key, version } of page) {
        const m: SyncEntry = { key, kind: 'm', version };
        const rest = others.get(key);
        others.delete(key);
        put(IndexedKey.of(key, rest ? [m, ...rest] : [m]));
      }
      await yieldToLoop();
    }
    for (const [key, list] of others) put(IndexedKey.of(key, list));
    for (const bucket of fresh) bucket.sort(byKey);
    this.sorted = fresh;
  }

  private async readKeys(keys: readonly string[]): Promise<void> {
    // The new record of each key read (undefined: no longer held), by bucket; merged once at the end.
    const updates = new Map<number, Map<string, IndexedKey | undefined>>();
    for (let at = 0; at < keys.length; at += KEYS_PER_READ) {
      const slice = keys.slice(at, at + KEYS_PER_READ);
      const [manifests, graves, aborts] = await Promise.all([this.files.versionsOf(slice), this.tombstones.versionsOf(slice), this.outcomes.listOf(slice)]);
      const abortsOf = new Map<string, string[]>();
      for (const a of aborts) abortsOf.set(a.key, [...(abortsOf.get(a.key) ?? []), a.version]);
      for (const key of slice) {
        const list: SyncEntry[] = [];
        const m = manifests.get(key);
        const t = graves.get(key);
        if (m !== undefined) list.push({ key, kind: 'm', version: m });
        if (t !== undefined) list.push({ key, kind: 't', version: t });
        for (const version of abortsOf.get(key) ?? []) list.push({ key, kind: 'a', version });
        const b = bucketOf(key);
        let inBucket = updates.get(b);
        if (!inBucket) updates.set(b, (inBucket = new Map()));
        inBucket.set(key, list.length ? IndexedKey.of(key, list, this.get(key)) : undefined);
      }
    }
    const next = [...this.sorted];
    let n = 0;
    for (const [b, inBucket] of updates) {
      next[b] = merged(next[b], inBucket);
      if (++n % 8 === 0) await yieldToLoop();
    }
    this.sorted = next;
  }
}

/** `bucket` (sorted by key) with the records of `updates` put in, and the keys it maps to undefined taken out: a new array. */
function merged(bucket: readonly IndexedKey[], updates: ReadonlyMap<string, IndexedKey | undefined>): IndexedKey[] {
  const added = [...updates.values()].filter((r): r is IndexedKey => r !== undefined).sort(byKey);
  const out: IndexedKey[] = [];
  let i = 0;
  for (const r of bucket) {
    if (updates.has(r.key)) continue;
    while (i < added.length && added[i].key < r.key) out.push(added[i++]);
    out.push(r);
  }
  while (i < added.length) out.push(added[i++]);
  return out;
}
