/**
 * Anti-entropy digests (pure). Two nodes compare what they both should hold without sending
 * full lists: the keys placed on both are split into 64 buckets by hash; each bucket's
 * digest is a SHA-256 over its sorted "key, kind, version" lines (kind: m = manifest,
 * t = tombstone, a = abort of exactly that version). Only buckets whose digests differ are
 * compared entry by entry, so a converged pair costs 64 hashes per round. First as prints: 16
 * bytes per entry (8 of its key's hash, 8 of its line's), so a node back after 10,000 of
 * 100,000 files changed receives 1.6 MB of prints rather than 13 MB of entries; then the full
 * entries of only the keys whose prints differ or that it does not hold. Replies travel in
 * pages (digestPage), so none grows with the store.
 */
import { createHash } from 'node:crypto';
import { compareVersions } from './version';

export const BUCKETS = 64;

export type SyncKind = 'm' | 't' | 'a';

export interface SyncEntry {
  key: string;
  kind: SyncKind;
  version: string;
}

export function isSyncKind(x: unknown): x is SyncKind {
  return x === 'm' || x === 't' || x === 'a';
}

/** An entry as its bucket's digest and its print hash it. */
export const entryLine = (e: SyncEntry) => `${e.key}\u0000${e.kind}\u0000${e.version}`;

export function bucketOf(key: string): number {
  return createHash('sha256').update(key).digest()[0] % BUCKETS;
}

export function bucketDigests(entries: readonly SyncEntry[]): string[] {
  const lines: string[][] = Array.from({ length: BUCKETS }, () => []);
  for (const e of entries) lines[bucketOf(e.key)].push(entryLine(e));
  return lines.map(bucketDigest);
}

/** One bucket's digest from its entries' lines (entryLine), in any order (they are sorted here). */
export function bucketDigest(lines: string[]): string {
  const h = createHash('sha256');
  for (const l of lines.sort()) h.update(l).update('\n');
  return h.digest('hex');
}

export function differingBuckets(mine: readonly string[], theirs: readonly string[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < BUCKETS; b++) if (mine[b] !== theirs[b]) out.push(b);
  return out;
}

/**
 * Reduces manifests and tombstones to the newest per key: a tombstone at least as new as a
 * manifest wins (aborts are not versions of the file: they are compared on their own).
 */
export function newestPerKey(entries: readonly SyncEntry[]): Map<string, SyncEntry> {
  const out = new Map<string, SyncEntry>();
  for (const e of entries) {
    if (e.kind === 'a') continue;
    const cur = out.get(e.key);
    const c = cur ? compareVersions(e.version, cur.version) : 1;
    if (!cur || c > 0 || (c === 0 && e.kind === 't')) out.set(e.key, e);
  }
  return out;
}

export interface SyncPlan {
  /** Newer here: send to the peer. */
  push: SyncEntry[];
  /** Newer there: fetch from the peer. */
  pull: SyncEntry[];
}

const abortId = (e: SyncEntry) => `${e.key}\u0000${e.version}`;

/**
 * What to exchange for the differing buckets, given both sides' entries in them. Aborts either
 * side lacks go first (each side keeps every abort); a manifest of a version either side has
 * aborted is neither sent nor fetched: the abort removes it where it is held.
 */
export function planSync(mine: readonly SyncEntry[], theirs: readonly SyncEntry[]): SyncPlan {
  const myAborts = new Set(mine.filter((e) => e.kind === 'a').map(abortId));
  const theirAborts = new Set(theirs.filter((e) => e.kind === 'a').map(abortId));
  const live = (e: SyncEntry) => e.kind !== 'm' || !(myAborts.has(abortId(e)) || theirAborts.has(abortId(e)));
  const a = newestPerKey(mine.filter(live));
  const b = newestPerKey(theirs.filter(live));
  const push: SyncEntry[] = mine.filter((e) => e.kind === 'a' && !theirAborts.has(abortId(e)));
  const pull: SyncEntry[] = theirs.filter((e) => e.kind === 'a' && !myAborts.has(abortId(e)));
  for (const [key, e] of a) {
    const o = b.get(key);
    if (!o || compareVersions(e.version, o.version) > 0 || (e.version === o.version && e.kind === 't' && o.kind === 'm')) push.push(e);
  }
  for (const [key, o] of b) {
    const e = a.get(key);
    if (!e || compareVersions(o.version, e.version) > 0 || (o.version === e.version && o.kind === 't' && e.kind === 'm')) pull.push(o);
  }
  return { push, pull };
}

/** JSON bytes of entries in one digest reply: half the 1 MiB body limit, whatever the key sizes. */
export const DIGEST_PAGE_BYTES = 512 * 1024;

/** Where the next page starts: after this entry in (bucket, key, kind) order. */
export interface DigestCursor {
  key: string;
  kind: SyncKind;
}

/** A cursor off the wire, or undefined when it is not one. */
export function parseCursor(x: unknown): DigestCursor | undefined {
  const c = x as DigestCursor | undefined;
  return c && typeof c === 'object' && typeof c.key === 'string' && isSyncKind(c.kind) ? { key: c.key, kind: c.kind } : undefined;
}

function orderOf(e: DigestCursor): [number, string, string] {
  return [bucketOf(e.key), e.key, e.kind];
}

function compareOrder(a: [number, string, string], b: [number, string, string]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

/**
 * One page of `entries` (the replier's entries in the differing buckets): those after `after`
 * in (bucket, key, kind) order, up to `maxBytes` of JSON, and the cursor of the next page when
 * more remain. A page always carries at least one entry, so paging always moves on.
 */
export function digestPage(
  entries: readonly SyncEntry[],
  after: DigestCursor | undefined,
  maxBytes = DIGEST_PAGE_BYTES,
  sizeOf: (e: SyncEntry) => number = (e) => Buffer.byteLength(JSON.stringify(e)) + 1,
): { entries: SyncEntry[]; next?: DigestCursor } {
  const start = after ? orderOf(after) : undefined;
  const ordered = entries
    .map((e) => ({ e, order: orderOf(e) }))
    .filter((x) => !start || compareOrder(x.order, start) > 0)
    .sort((x, y) => compareOrder(x.order, y.order));
  const page: SyncEntry[] = [];
  let bytes = 0;
  for (const { e } of ordered) {
    const size = sizeOf(e);
    if (page.length > 0 && bytes + size > maxBytes) {
      const lastEntry = page[page.length - 1];
      return { entries: page, next: { key: lastEntry.key, kind: lastEntry.kind } };
    }
    page.push(e);
    bytes += size;
  }
  return { entries: page };
}

/** Bytes of one entry's print: 8 of its key's SHA-256, 8 of its line's. */
export const PRINT_BYTES = 16;
/** Prints in one digest reply's payload (3.2 MB, within the 8 MiB frame limit). */
export const PRINTS_PER_PAGE = 200_000;

function hash8(text: string): Buffer {
  return createHash('sha256').update(text).digest().subarray(0, 8);
}

/** The print of a key (16 hex digits), which names it in an entries request. */
export function keyPrint(key: string): string {
  return hash8(key).toString('hex');
}

/** The print of an entry's line (16 hex digits). */
export function entryPrint(e: SyncEntry): string {
  return hash8(entryLine(e)).toString('hex');
}

/** The prints of these entries (one per entry), back to back. */
export function packPrints(entries: readonly SyncEntry[]): Buffer {
  const out = Buffer.allocUnsafe(entries.length * PRINT_BYTES);
  entries.forEach((e, i) => {
    hash8(e.key).copy(out, i * PRINT_BYTES);
    hash8(entryLine(e)).copy(out, i * PRINT_BYTES + 8);
  });
  return out;
}

/**
 * Untrusted prints added to `into` (key print -> its entries' prints), or undefined when the
 * payload is not whole prints. No payload is no prints (an empty page).
 */
export function unpackPrints(blob: unknown, into = new Map<string, string[]>()): Map<string, string[]> | undefined {
  if (blob === undefined) return into;
  if (!Buffer.isBuffer(blob) || blob.length % PRINT_BYTES !== 0) return undefined;
  for (let at = 0; at < blob.length; at += PRINT_BYTES) {
    const kp = blob.toString('hex', at, at + 8);
    const list = into.get(kp);
    const ep = blob.toString('hex', at + 8, at + PRINT_BYTES);
    if (list) list.push(ep);
    else into.set(kp, [ep]);
  }
  return into;
}

/** A key's entries with the print of the key and of each entry (entryPrints[i] is entries[i]'s). */
export interface PrintedKey {
  readonly print: string;
  readonly entries: readonly SyncEntry[];
  readonly entryPrints: readonly string[];
}

/** Entries grouped by key print, with their prints. */
export function printedKeys(entries: readonly SyncEntry[]): PrintedKey[] {
  const byKey = new Map<string, { print: string; entries: SyncEntry[]; entryPrints: string[] }>();
  for (const e of entries) {
    const print = keyPrint(e.key);
    const k = byKey.get(print) ?? { print, entries: [], entryPrints: [] };
    k.entries.push(e);
    k.entryPrints.push(entryPrint(e));
    byKey.set(print, k);
  }
  return [...byKey.values()];
}

/**
 * This node's side of an entry-by-entry comparison, given the peer's prints of the differing
 * buckets. A key is in step when both hold the same entries of it (manifest, tombstone,
 * aborts). Returns this node's entries of the keys that are not (`differ`), and the prints of
 * the peer's keys whose full entries it needs (`ask`: not in step, or not held here at all).
 */
export function comparePrints(mine: readonly SyncEntry[], theirs: ReadonlyMap<string, readonly string[]>): { differ: SyncEntry[]; ask: string[] } {
  return comparePrintedKeys(printedKeys(mine), theirs);
}

/** comparePrints of keys whose prints are known already (one record per key print). */
export function comparePrintedKeys(mine: Iterable<PrintedKey>, theirs: ReadonlyMap<string, readonly string[]>): { differ: SyncEntry[]; ask: string[] } {
  const differ: SyncEntry[] = [];
  const ask = new Set(theirs.keys());
  for (const k of mine) {
    const other = theirs.get(k.print);
    if (other && sameSet(other, k.entryPrints)) ask.delete(k.print);
    else differ.push(...k.entries);
  }
  return { differ, ask: [...ask] };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}
