/**
 * A cluster-wide listing of keys, merged from pages every member answers about what it holds.
 *
 * Each member returns, in key order, its manifests and tombstones under the prefix after the
 * given key, and whether it stopped early (`more`). The merge may only speak for keys up to
 * the smallest last key of a member that stopped early: past it that member may hold keys it
 * has not sent yet. Up to that bound, each key's newest version wins (a tombstone at least as
 * new as a manifest hides it), so a key deleted while a holder was away stays hidden and a
 * key stored on a quorum shows as soon as the store was acknowledged. A version any member
 * knows as aborted (its store was reported failed) is passed over, as a read passes over it:
 * a holder the rollback has not reached yet may still hold it, and the key then shows at the
 * version the failed store replaced, or not at all.
 *
 * Key order is the UTF-8 byte order, the order SQLite sorts text in and the one S3 lists in.
 */
import type { HeldAbortEntry, HeldFileEntry, HeldTombstoneEntry } from '../peer-repository/key-page.repository';
import { compareVersions } from './version';

export type ListedFile = HeldFileEntry;

/** One member's answer to a page request. */
export interface KeyPage {
  files: HeldFileEntry[];
  tombstones: HeldTombstoneEntry[];
  /** Versions whose stores failed, as far as the member knows (absent from older members). */
  aborted?: HeldAbortEntry[];
  /** The member stopped early: it may hold keys after the last one it sent. */
  more: boolean;
}

export interface KeyListing {
  /** Live files in key order, at most the limit asked for. */
  files: ListedFile[];
  /** Present when there may be more: the key to continue after. */
  next?: string;
}

/** Compares two strings in the order of their UTF-8 bytes (code point order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) stand for code points above FFFF: move them above E000-FFFF.
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * The last key a page speaks for (a member cuts all its lists at the same key), or undefined
 * when it covers everything after its start.
 */
function pageBound(page: KeyPage): string | undefined {
  if (!page.more) return undefined;
  const lastFile = page.files[page.files.length - 1]?.key;
  const lastGrave = page.tombstones[page.tombstones.length - 1]?.key;
  const lastAbort = page.aborted?.[page.aborted.length - 1]?.key;
  let bound: string | undefined;
  for (const k of [lastFile, lastGrave, lastAbort]) if (k !== undefined && (bound === undefined || compareKeys(k, bound) > 0)) bound = k;
  return bound;
}

/** Merges the members' pages into one page of at most `limit` live files. */
export function mergeKeyPages(pages: KeyPage[], limit: number): KeyListing {
  let bound: string | undefined;
  for (const p of pages) {
    const b = pageBound(p);
    if (b !== undefined && (bound === undefined || compareKeys(b, bound) < 0)) bound = b;
  }
  const within = (key: string) => bound === undefined || compareKeys(key, bound) <= 0;
  const aborted = new Set(pages.flatMap((p) => (p.aborted ?? []).map((a) => `${a.key}\0${a.version}`)));
  const newest = new Map<string, { version: string; file?: HeldFileEntry }>();
  for (const p of pages) {
    for (const f of p.files) {
      if (!within(f.key) || aborted.has(`${f.key}\0${f.version}`)) continue;
      const seen = newest.get(f.key);
      if (!seen || compareVersions(f.version, seen.version) > 0) newest.set(f.key, { version: f.version, file: f });
    }
    for (const t of p.tombstones) {
      if (!within(t.key)) continue;
      const seen = newest.get(t.key);
      if (!seen || compareVersions(t.version, seen.version) >= 0) newest.set(t.key, { version: t.version });
    }
  }
  const live = [...newest.values()].flatMap((v) => (v.file ? [v.file] : [])).sort((a, b) => compareKeys(a.key, b.key));
  if (live.length > limit) return { files: live.slice(0, limit), next: live[limit - 1].key };
  return bound === undefined ? { files: live } : { files: live, next: bound };
}
