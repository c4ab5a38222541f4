/**
 * What this node shares with each peer it syncs with: the entries of the keys placement gives
 * to both (and every abort: each member keeps them all, see abort-settler.ts), by digest
 * bucket, with the buckets' digests. A view is kept until the data or the placement members
 * change, and after a write only the written keys' buckets are derived again (their records
 * come from SyncIndex); a change of members derives it whole from the index, in slices that
 * yield to the event loop. Views are immutable: a round holding one while another is derived
 * keeps a consistent picture. Everything here runs one call at a time.
 */
import { FileRepository } from '../peer-repository/file.repository';
import { StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { PlacementCache } from './placement';
import { BUCKETS, DigestCursor, PRINT_BYTES, SyncEntry, bucketDigest, bucketOf, entryLine } from './sync-digest';
import { IndexedKey, KEYS_PER_SLICE, SyncIndex, yieldToLoop } from './sync-index';

export interface SharedView {
  /** The data generation (FileRepository.generation) it is as of. */
  readonly generation: number;
  /** The placement members it was derived for. */
  readonly members: string;
  /** Per bucket: the shared records by key. */
  readonly buckets: ReadonlyArray<ReadonlyMap<string, IndexedKey>>;
  readonly digests: readonly string[];
}

/** Peers whose shared views are kept. */
const MAX_SHARED_VIEWS = 16;
/** Buckets whose digests are derived between two yields to the event loop. */
const BUCKETS_PER_SLICE = 8;

/** The view's entries in these buckets (all buckets when none are given). */
export function entriesIn(view: SharedView, buckets?: Iterable<number>): SyncEntry[] {
  const out: SyncEntry[] = [];
  for (const b of buckets ?? view.buckets.keys()) for (const r of view.buckets[b]?.values() ?? []) out.push(...r.entries);
  return out;
}

/** The view's records in these buckets. */
export function recordsIn(view: SharedView, buckets: Iterable<number>): IndexedKey[] {
  const out: IndexedKey[] = [];
  for (const b of buckets) for (const r of view.buckets[b]?.values() ?? []) out.push(r);
  return out;
}

/**
 * One page of the prints of the view's entries in these buckets (packed as packPrints does):
 * those after `after` in (bucket, key, kind) order (digestPage's), at most `max` of them, and
 * the cursor of the next page when more remain. From the prints kept in the records: with
 * 100,000 keys, hashing them for every reply cost about a second.
 */
export function printPage(view: SharedView, buckets: Iterable<number>, after: DigestCursor | undefined, max: number): { blob: Buffer; next?: DigestCursor } {
  const from = after ? bucketOf(after.key) : -1;
  const out: Array<{ r: IndexedKey; i: number }> = [];
  let next: DigestCursor | undefined;
  fill: for (const b of [...new Set(buckets)].filter((x) => x >= from).sort((x, y) => x - y)) {
    const records = [...(view.buckets[b]?.values() ?? [])].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    for (const r of records) {
      if (b === from && r.key < after!.key) continue;
      const kinds = r.entries.map((e, i) => ({ kind: e.kind, i })).sort((x, y) => (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0));
      for (const { kind, i } of kinds) {
        if (b === from && r.key === after!.key && kind <= after!.kind) continue;
        if (out.length >= max) {
          const last = out[out.length - 1];
          next = { key: last.r.key, kind: last.r.entries[last.i].kind };
          break fill;
        }
        out.push({ r, i });
      }
    }
  }
  const blob = Buffer.allocUnsafe(out.length * PRINT_BYTES);
  out.forEach(({ r, i }, n) => {
    blob.write(r.print, n * PRINT_BYTES, 'hex');
    blob.write(r.entryPrints[i], n * PRINT_BYTES + PRINT_BYTES / 2, 'hex');
  });
  return next ? { blob, next } : { blob };
}

/** The view's entries of the keys with these prints. */
export function entriesOfPrints(view: SharedView, prints: ReadonlySet<string>): SyncEntry[] {
  const out: SyncEntry[] = [];
  for (const bucket of view.buckets) for (const r of bucket.values()) if (prints.has(r.print)) out.push(...r.entries);
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
        if (r.entries.some((e) => e.kind === 'm') && !holders(r.key).includes(this.self)) out.push(r.key);
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
    const changed = await this.index.refresh();
    // Placements of keys no longer held are not kept (the cache would outgrow the store).
    for (const key of changed ?? []) if (!this.index.get(key)) this.placement.forget(key);
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
  private shareOf(r: IndexedKey, peer: string, holders: (key: string) => readonly string[]): IndexedKey | undefined {
    const placed = holders(r.key);
    if (placed.includes(this.self) && placed.includes(peer)) return r;
    const aborts = r.entries.flatMap((e, i) => (e.kind === 'a' ? [i] : []));
    return aborts.length ? { ...r, entries: aborts.map((i) => r.entries[i]), entryPrints: aborts.map((i) => r.entryPrints[i]) } : undefined;
  }

  private async whole(peer: string, holders: (key: string) => readonly string[], members: string): Promise<SharedView> {
    const buckets = Array.from({ length: BUCKETS }, () => new Map<string, IndexedKey>());
    let n = 0;
    for (const r of this.index.records()) {
      const shared = this.shareOf(r, peer, holders);
      if (shared) buckets[r.bucket].set(r.key, shared);
      if (++n % KEYS_PER_SLICE === 0) await yieldToLoop();
    }
    const digests: string[] = [];
    for (let b = 0; b < BUCKETS; b++) {
      digests.push(digestOf(buckets[b]));
      if ((b + 1) % BUCKETS_PER_SLICE === 0) await yieldToLoop();
    }
    return { generation: this.index.generation, members, buckets, digests };
  }

  /** `kept` with the records of the `changed` keys taken again from the index, and their buckets' digests. */
  private async patched(kept: SharedView, changed: ReadonlySet<string>, peer: string, holders: (key: string) => readonly string[]): Promise<SharedView> {
    const buckets = [...kept.buckets];
    const copied = new Set<number>();
    let n = 0;
    for (const key of changed) {
      const r = this.index.get(key);
      const b = r?.bucket ?? bucketOf(key);
      if (!copied.has(b)) {
        buckets[b] = new Map(buckets[b]);
        copied.add(b);
      }
      const bucket = buckets[b] as Map<string, IndexedKey>;
      const shared = r && this.shareOf(r, peer, holders);
      if (shared) bucket.set(key, shared);
      else bucket.delete(key);
      if (++n % KEYS_PER_SLICE === 0) await yieldToLoop();
    }
    const digests = [...kept.digests];
    n = 0;
    for (const b of copied) {
      digests[b] = digestOf(buckets[b]);
      if (++n % BUCKETS_PER_SLICE === 0) await yieldToLoop();
    }
    return { generation: this.index.generation, members: kept.members, buckets, digests };
  }
}

function digestOf(bucket: ReadonlyMap<string, IndexedKey>): string {
  const lines: string[] = [];
  for (const r of bucket.values()) for (const e of r.entries) lines.push(entryLine(e));
  return bucketDigest(lines);
}
