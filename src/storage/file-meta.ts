/**
 * Opaque per-file metadata: a small map of strings stored in the file's manifest, so it is
 * replicated, repaired and deleted with the file and changes only with a new version. Storage
 * never reads it; layers above keep there what they must return with the file (a content
 * type, their own digest of the content). Bounded, because every manifest report carries it.
 */
import { StorageProtocolError } from './storage-protocol.errors';

export type FileMeta = Record<string, string>;

export const MAX_META_ENTRIES = 64;
/** Names plus values, in UTF-16 code units (S3's own limit for user metadata is 2 KiB). */
export const MAX_META_CHARS = 16 * 1024;

/** What a store learnt about the content once it had streamed, for a `beforeCommit` hook. */
export interface StoredContent {
  size: number;
  /** SHA-256 of the whole content, hex. */
  contentHash: string;
}

export interface StoreOptions {
  /**
   * Called when the content has streamed and every chunk is on its holders, before the
   * manifest is committed: returns the file's metadata, or throws to abandon the store (nothing
   * becomes visible).
   */
  beforeCommit?: (content: StoredContent) => Promise<FileMeta | undefined> | FileMeta | undefined;
}

/** Checks metadata from the wire or a caller; undefined stays undefined. */
export function parseFileMeta(x: unknown): FileMeta | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'object' || Array.isArray(x)) throw new StorageProtocolError('file metadata is not an object');
  const entries = Object.entries(x as Record<string, unknown>);
  if (entries.length > MAX_META_ENTRIES) throw new StorageProtocolError(`file metadata has ${entries.length} entries (at most ${MAX_META_ENTRIES})`);
  let chars = 0;
  const out: FileMeta = {};
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw new StorageProtocolError(`file metadata "${name.slice(0, 40)}" is not a string`);
    chars += name.length + value.length;
    out[name] = value;
  }
  if (chars > MAX_META_CHARS) throw new StorageProtocolError(`file metadata is ${chars} characters (at most ${MAX_META_CHARS})`);
  return entries.length ? out : undefined;
}
