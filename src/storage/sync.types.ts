import type { DigestCursor, SyncEntry } from './sync-digest';

/** A digest reply's pages put together: the replier's entry prints by key print. */
export interface DigestPrints {
  prints: Map<string, string[]>;
  differing: number[];
  quarantined: boolean;
}

export interface EntriesReply {
  entries: SyncEntry[];
  next?: DigestCursor;
}

export const SyncPatterns = {
  digest: 'storage.sync.digest',
  /** The full entries of the keys whose prints a digest reply gave (sync-digest.ts). */
  entries: 'storage.sync.entries',
  missingChunks: 'storage.chunk.missing',
  /** Batched anti-entropy (sync-batch.ts). */
  reports: 'storage.sync.reports',
  offer: 'storage.sync.offer',
  chunkGetMany: 'storage.chunk.getMany',
  chunkPutMany: 'storage.chunk.putMany',
  commitMany: 'storage.manifest.commitMany',
} as const;

export interface DigestRequest {
  digests: string[];
  /** Asks for the page after this entry (the previous reply's `next`). */
  after?: DigestCursor;
}

export interface DigestReply {
  /** The prints of the replier's entries in every bucket whose digest differed (one page of them, PRINT_BYTES each). */
  blob?: Buffer;
  differing: number[];
  /** Present when more entries follow: ask again with `after` set to it. */
  next?: DigestCursor;
  /** The replier is quarantined (absent from older nodes' replies: false). */
  quarantined?: boolean;
}
