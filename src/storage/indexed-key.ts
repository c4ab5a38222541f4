/**
 * One key as anti-entropy compares it (sync-index.ts keeps one per key held): its entries
 * (manifest, tombstone, aborts), the print of the key and of each entry (sync-digest.ts), and
 * its digest bucket. With 100,000 keys every byte of a record is 100 KB of a node's memory, so
 * a record is one small object: the prints are kept as 32-bit halves in its own fields (small
 * integers, no separate allocation), the bucket is read from the key's print (both are the
 * start of the key's SHA-256), the common case (a manifest alone) has no array of entries, and
 * what placement said of the key is remembered on the record itself (PlacementMemo) rather
 * than in a map per member list. Entries, prints as hex and the bucket are built when asked,
 * which only the keys being compared ever are. A record is never changed (but for its memo):
 * a write replaces it.
 */
import { createHash } from 'node:crypto';
import { PlacementMemo } from './placement';
import { BUCKETS, PRINT_BYTES, PrintedKey, SyncEntry, entryLine } from './sync-digest';

/** An entry's print as two 32-bit halves (high, low), the first 8 bytes of SHA-256 of `text`. */
function halves(text: string): [number, number] {
  const d = createHash('sha256').update(text).digest();
  return [d.readInt32BE(0), d.readInt32BE(4)];
}

/** The digest bucket of a key whose print's high half is `hi` (bucketOf reads the same first byte of the key's SHA-256). */
export const bucketOfPrintHigh = (hi: number): number => (hi >>> 24) % BUCKETS;

const hex = (hi: number, lo: number) => (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

/** What a key has besides a manifest (rare: a tombstone or aborts). */
interface Rest {
  readonly tombstone?: { readonly version: string; readonly hi: number; readonly lo: number };
  readonly aborts: ReadonlyArray<{ readonly version: string; readonly hi: number; readonly lo: number }>;
}

const NO_REST: Rest = { aborts: [] };

export class IndexedKey extends PlacementMemo implements PrintedKey {
  private constructor(
    readonly key: string,
    /** The key's print (keyPrint), high and low halves. */
    private readonly kh: number,
    private readonly kl: number,
    /** The manifest's version, when a manifest is held, and its entry's print. */
    private readonly mv: string | undefined,
    private readonly mh: number,
    private readonly ml: number,
    private readonly rest: Rest,
  ) {
    super();
  }

  /** The record of `key` with these entries (all of that key); `was` (the key's previous record) spares hashing the key again. */
  static of(key: string, entries: readonly SyncEntry[], was?: IndexedKey): IndexedKey {
    const [kh, kl] = was ? [was.kh, was.kl] : halves(key);
    let m: SyncEntry | undefined;
    let tombstone: Rest['tombstone'];
    const aborts: Array<Rest['aborts'][number]> = [];
    for (const e of entries) {
      if (e.kind === 'm') m = e;
      else if (e.kind === 't') tombstone = { version: e.version, ...pair(halves(entryLine(e))) };
      else aborts.push({ version: e.version, ...pair(halves(entryLine(e))) });
    }
    const [mh, ml] = m ? halves(entryLine(m)) : [0, 0];
    const rest = tombstone || aborts.length ? { tombstone, aborts } : NO_REST;
    return new IndexedKey(key, kh, kl, m?.version, mh, ml, rest);
  }

  /** This record with only its aborts (undefined when it has none), as shared with a peer that is not a placed holder. */
  abortsOnly(): IndexedKey | undefined {
    if (this.rest.aborts.length === 0) return undefined;
    if (this.mv === undefined && !this.rest.tombstone) return this;
    return new IndexedKey(this.key, this.kh, this.kl, undefined, 0, 0, { aborts: this.rest.aborts });
  }

  get bucket(): number {
    return bucketOfPrintHigh(this.kh);
  }

  /** The key's print (16 hex digits), as keyPrint gives it. */
  get print(): string {
    return hex(this.kh, this.kl);
  }

  /** The high half of the key's print (a 32-bit integer). */
  get printHigh(): number {
    return this.kh;
  }

  /** Whether the key's print is `hi`/`lo` (halves of an untrusted print). */
  printIs(hi: number, lo: number): boolean {
    return this.kh === hi && this.kl === lo;
  }

  get hasManifest(): boolean {
    return this.mv !== undefined;
  }

  /** Its entries: the manifest, the tombstone, then the aborts. */
  get entries(): SyncEntry[] {
    const out: SyncEntry[] = [];
    if (this.mv !== undefined) out.push({ key: this.key, kind: 'm', version: this.mv });
    if (this.rest.tombstone) out.push({ key: this.key, kind: 't', version: this.rest.tombstone.version });
    for (const a of this.rest.aborts) out.push({ key: this.key, kind: 'a', version: a.version });
    return out;
  }

  /** The entries' prints (16 hex digits each), in the order of `entries`. */
  get entryPrints(): string[] {
    const out: string[] = [];
    if (this.mv !== undefined) out.push(hex(this.mh, this.ml));
    if (this.rest.tombstone) out.push(hex(this.rest.tombstone.hi, this.rest.tombstone.lo));
    for (const a of this.rest.aborts) out.push(hex(a.hi, a.lo));
    return out;
  }

  /** Its entries in kind order (a, m, t; aborts as in `entries`), each as its kind and a writer of its print. */
  printsByKind(): Array<{ kind: SyncEntry['kind']; write: (into: Buffer, at: number) => void }> {
    const put = (hi: number, lo: number) => (into: Buffer, at: number) => {
      into.writeInt32BE(this.kh, at);
      into.writeInt32BE(this.kl, at + 4);
      into.writeInt32BE(hi, at + PRINT_BYTES / 2);
      into.writeInt32BE(lo, at + PRINT_BYTES / 2 + 4);
    };
    const out: Array<{ kind: SyncEntry['kind']; write: (into: Buffer, at: number) => void }> = this.rest.aborts.map((a) => ({ kind: 'a' as const, write: put(a.hi, a.lo) }));
    if (this.mv !== undefined) out.push({ kind: 'm', write: put(this.mh, this.ml) });
    if (this.rest.tombstone) out.push({ kind: 't', write: put(this.rest.tombstone.hi, this.rest.tombstone.lo) });
    return out;
  }
}

const pair = ([hi, lo]: [number, number]) => ({ hi, lo });

/** Orders records by key, as anti-entropy pages them (UTF-16 code unit order, as `<` compares). */
export const byKey = (x: { key: string }, y: { key: string }): number => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
