/**
 * The keys of a bucket, S3-style: under a prefix, after a key, grouped by a delimiter into
 * common prefixes, at most max-keys entries (keys plus prefixes) a page, from the cluster-wide
 * listing of storage (storage/key-listing). A common prefix is passed over in one step: the
 * next page request starts after every key that begins with it, so a folder of 10,000 keys
 * costs one request, not ten. Truncation is exact: when a page is full, one more look tells
 * whether anything follows.
 */
import { KeyListingService } from '../storage/key-listing.service';
import type { ListedFile } from '../storage/key-listing';
import { objectPrefix } from './key-mapping';

/** Sorts after every string that starts with the text before it (the highest code point). */
export const AFTER_ALL = '\u{10FFFF}';

export interface ObjectEntry {
  key: string;
  file: ListedFile;
}

export interface ObjectPage {
  objects: ObjectEntry[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or prefix of the page (NextMarker). */
  last?: string;
  /** Where the next page starts: list after this (the continuation token's content). */
  resumeAfter?: string;
}

export interface ObjectQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** Keys after this S3 key ('' for the start). */
  after: string;
  maxKeys: number;
}

/**
 * Where a listing resumes after `marker`: past everything under it when it is one of this
 * listing's common prefixes (a marker or start-after a client took from NextMarker).
 */
export function resumePoint(marker: string, prefix: string, delimiter: string): string {
  if (!marker || !delimiter || !marker.startsWith(prefix) || !marker.endsWith(delimiter)) return marker;
  const rest = marker.slice(prefix.length, marker.length - delimiter.length);
  return rest.includes(delimiter) ? marker : marker + AFTER_ALL;
}

export async function listObjects(listing: KeyListingService, q: ObjectQuery): Promise<ObjectPage> {
  const base = objectPrefix(q.bucket);
  const page: ObjectPage = { objects: [], prefixes: [], truncated: false };
  if (q.maxKeys <= 0) return page;
  let after = q.after;
  const count = () => page.objects.length + page.prefixes.length;
  for (;;) {
    const full = count() >= q.maxKeys;
    const listed = await listing.list({ prefix: base + q.prefix, after: after ? base + after : '', limit: full ? 1 : Math.min(1000, q.maxKeys - count() + 1) });
    let jumped = false;
    for (const file of listed.files) {
      const key = file.key.slice(base.length);
      const cut = q.delimiter ? key.indexOf(q.delimiter, q.prefix.length) : -1;
      const entry = cut >= 0 ? key.slice(0, cut + q.delimiter.length) : key;
      if (count() >= q.maxKeys) {
        page.truncated = true;
        return page;
      }
      if (cut >= 0) {
        page.prefixes.push(entry);
        page.last = entry;
        page.resumeAfter = entry + AFTER_ALL;
        after = page.resumeAfter;
        jumped = true;
        break;
      }
      page.objects.push({ key, file });
      page.last = key;
      page.resumeAfter = key;
      after = key;
    }
    if (jumped) continue;
    if (!listed.next) return page;
    after = listed.next.slice(base.length);
  }
}
