/**
 * What this node shares with each peer it syncs with: the entries of the keys placement gives
 * to both (and every abort: each member keeps them all, see abort-settler.ts), by digest
 * bucket, with the buckets' digests. A view is kept until the data or the placement members
 * change, and after a write only the written keys' buckets are derived again, from the index's
 * new arrays for them (sync-index.ts); a change of members derives it whole from the index, in
 * slices that yield to the event loop. A bucket whose every record is shared with the peer is
 * the index's own array (three nodes with three replicas share everything: a view then costs
 * 64 digests). Views are immutable: a round holding one while another is derived keeps a
 * consistent picture. Everything here runs one call at a time.
 */
import { FileRepository } from '../peer-repository/file.repository';
import { StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { PlacementCache } from './placement';
import { BUCKETS, DigestCursor, PRINT_BYTES, SyncEntry, bucketDigest, bucketOf, entryLine } from './sync-digest';
import { bucketOfPrintHigh } from './indexed-key';
import { IndexedKey, KEYS_PER_SLICE, SyncIndex, searchBucket, yieldToLoop } from './sync-index';

export interface SharedView {
  /** The data generation (FileRepository.generation) it is as of. */
  readonly generation: number;
  /** The placement members it was derived for. */
  readonly members: string;
  /** Per bucket: the shared records, sorted by key. */
  readonly buckets: ReadonlyArray<readonly IndexedKey[]>;
  readonly digests: readonly string[];
}

/** Peers whose shared views are kept. */
const MAX_SHARED_VIEWS = 16;
/** Buckets whose digests are derived between two yields to the event loop. */
const BUCKETS_PER_SLICE = 8;

/** The view's entries in these buckets (all buckets when none are given). */
export function entriesIn(view: SharedView, buckets?: Iterable<number>): SyncEntry[] {
  const out: SyncEntry[] = [];
  for (const b of buckets ?? view.buckets.keys()) for (const r of view.buckets[b] ?? []) out.push(...r.entries);
  return out;
}

/** The view's records in these buckets. */
export function recordsIn(view: SharedView, buckets: Iterable<number>): IndexedKey[] {
  const out: IndexedKey[] = [];
  for (const b of buckets) for (const r of view.buckets[b] ?? []) out.push(r);
  return out;
}

/**
 * One page of the prints of the view's entries in these buckets (packed as packPrints does):
 * those after `after` in (bucket, key, kind) order (digestPage's), at most `max` of them, and
 * the cursor of the next page when more remain. From the prints kept in the records and the
 * buckets' key order: with 100,000 keys, hashing or sorting them for every reply cost about a
 * second.
 */
export function printPage(view: SharedView, buckets: Iterable<number>, after: DigestCursor | undefined, max: number): { blob: Buffer; next?: DigestCursor } {
  const from = after ? bucketOf(after.key) : -1;
  const out: Array<(into: Buffer, at: number) => void> = [];
  let next: DigestCursor | undefined;
  let last: DigestCursor | undefined;
  fill: for (const b of [...new Set(buckets)].filter((x) => x >= from).sort((x, y) => x - y)) {
    const records = view.buckets[b] ?? [];
    let i = 0;
    if (b === from) {
      const at = searchBucket(records, after!.key);
      i = at >= 0 ? at : ~at;
    }
    for (; i < records.length; i++) {
      const r = records[i];
      for (const { kind, write } of r.printsByKind()) {
        if (b === from && r.key === after!.key && kind <= after!.kind) continue;
        if (out.length >= max) {
          next = last;
          break fill;
        }
        out.push(write);
        last = { key: r.key, kind };
      }
    }
  }
  const blob = Buffer.allocUnsafe(out.length * PRINT_BYTES);
  out.forEach((write, n) => write(blob, n * PRINT_BYTES));
  return next ? { blob, next } : { blob };
}

/**
 * The view's entries of the keys with these prints (untrusted: any string that is not a print
 * matches nothing). A key print starts with the key's bucket (both are the start of its
 * SHA-256), so only the buckets of the prints asked for are walked.
 */
export function entriesOfPrints(view: SharedView, prints: ReadonlySet<string>): SyncEntry[] {
  // Per bucket, the prints asked for by their high half: a record is matched by comparing two small integers, not by making its hex.
  const wanted = new Map<number, Map<number, number[]>>();
  for (const p of prints) {
    if (!/^[0-9a-f]{16}$/.test(p)) continue;
    const hi = parseInt(p.slice(0, 8), 16) | 0;
    const lo = parseInt(p.slice(8), 16) | 0;
    const b = bucketOfPrintHigh(hi);
    let inBucket = wanted.get(b);
    if (!inBucket) wanted.set(b, (inBucket = new Map()));
    inBucket.set(hi, [...(inBucket.get(hi) ?? []), lo]);
  }
  const out: SyncEntry[] = [];
  for (const [b, inBucket] of wanted) {
    for (const r of view.buckets[b] ?? []) {
      const hi = r.printHigh;
      if (inBucket.get(hi)?.some((lo) => r.printIs(hi, lo))) out.push(...r.entries);
    }
  }
  return out;
}

export class SharedViews {
  private readonly index: SyncIndex;
  private readonly placement: PlacementCache;
  private readonly views = new Map<string, SharedView>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly files: FileRepository,
    tombstones: TombstoneRepository,
    outcomes: StoreOutcomeRepository,
    private readonly self: string,
    replicas: number,
  ) {
    this.index = new SyncIndex(files, tombstones, outcomes);
    this.placement = new PlacementCache(replicas);
  }

  /** What this node shares with `peer` when placement is among `members`, up to date. */
  of(peer: string, members: readonly string[]): Promise<SharedView> {
    return this.serially(() => this.derive(peer, members));
  }

  /** Up to `limit` keys of manifests held here that placement among `members` does not give to this node. */
  stray(members: readonly string[], limit: number): Promise<string[]> {
    return this.serially(async () => {
      await this.refresh();
      const holders = this.placement.among(members);
      const out: string[] = [];
      let n = 0;
      for (const r of this.index.records()) {
        if (out.length >= limit) break;
        if (r.hasManifest && !holders(r).includes(this.self)) out.push(r.key);
        if (++n % KEYS_PER_SLICE === 0) await yieldToLoop();
      }
      return out;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async refresh(): Promise<void> {
    await this.index.refresh();
  }

  private async derive(peer: string, members: readonly string[]): Promise<SharedView> {
    await this.refresh();
    const membersKey = members.join(',');
    const kept = this.views.get(peer);
    const generation = this.index.generation;
    if (kept && kept.members === membersKey && kept.generation === generation) return kept;
    const holders = this.placement.among(members);
    const changed = kept && kept.members === membersKey ? this.files.changedSince(kept.generation) : undefined;
    const view = kept && changed ? await this.patched(kept, changed, peer, holders) : await this.whole(peer, holders, membersKey);
    this.views.delete(peer);
    this.views.set(peer, view);
    // One view per peer talked to lately; the oldest goes first.
    if (this.views.size > MAX_SHARED_VIEWS) this.views.delete(this.views.keys().next().value as string);
    return view;
  }

  /** The record of `r` this node shares with `peer`: all of it when both hold the key, else only its aborts. */
  private shareOf(r: IndexedKey, peer: string, holders: (r: IndexedKey) => readonly string[]): IndexedKey | undefined {
    const placed = holders(r);
    if (placed.includes(this.self) && placed.includes(peer)) return r;
    return r.abortsOnly();
  }

  /** The shared records of index bucket `b`: the index's own array when all of it is shared as it is. */
  private shareBucket(b: number, peer: string, holders: (r: IndexedKey) => readonly string[]): readonly IndexedKey[] {
    const all = this.index.bucket(b);
    let out: IndexedKey[] | undefined;
    for (let i = 0; i < all.length; i++) {
      const shared = this.shareOf(all[i], peer, holders);
      if (shared === all[i] && !out) continue;
      out ??= all.slice(0, i);
      if (shared) out.push(shared);
    }
    return out ?? all;
  }

  private async whole(peer: string, holders: (r: IndexedKey) => readonly string[], members: string): Promise<SharedView> {
    const buckets: Array<readonly IndexedKey[]> = [];
    let n = 0;
    for (let b = 0; b < BUCKETS; b++) {
      buckets.push(this.shareBucket(b, peer, holders));
      n += buckets[b].length;
      if (n >= KEYS_PER_SLICE) {
        n = 0;
        await yieldToLoop();
      }
    }
    const digests: string[] = [];
    for (let b = 0; b < BUCKETS; b++) {
      digests.push(digestOf(buckets[b]));
      if ((b + 1) % BUCKETS_PER_SLICE === 0) await yieldToLoop();
    }
    return { generation: this.index.generation, members, buckets, digests };
  }

  /** `kept` with the buckets of the `changed` keys derived again from the index, and their digests. */
  private async patched(kept: SharedView, changed: ReadonlySet<string>, peer: string, holders: (r: IndexedKey) => readonly string[]): Promise<SharedView> {
    const touched = new Set<number>();
    for (const key of changed) touched.add(bucketOf(key));
    const buckets = [...kept.buckets];
    const digests = [...kept.digests];
    let n = 0;
    for (const b of touched) {
      buckets[b] = this.shareBucket(b, peer, holders);
      digests[b] = digestOf(buckets[b]);
      if (++n % BUCKETS_PER_SLICE === 0) await yieldToLoop();
    }
    return { generation: this.index.generation, members: kept.members, buckets, digests };
  }
}

/** Digests of bucket arrays, which never change: views sharing the index's own array hash it once. */
const digests = new WeakMap<readonly IndexedKey[], string>();

function digestOf(bucket: readonly IndexedKey[]): string {
  let digest = digests.get(bucket);
  if (digest === undefined) {
    const lines: string[] = [];
    for (const r of bucket) for (const e of r.entries) lines.push(entryLine(e));
    digests.set(bucket, (digest = bucketDigest(lines)));
  }
  return digest;
}
