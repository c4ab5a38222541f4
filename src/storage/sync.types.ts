import type { DigestCursor, SyncEntry } from './sync-digest';

export const SyncPatterns = {
  digest: 'storage.sync.digest',
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
  /** The replier's entries in every bucket whose digest differed (one page of them). */
  entries: SyncEntry[];
  differing: number[];
  /** Present when more entries follow: ask again with `after` set to it. */
  next?: DigestCursor;
  /** The replier is quarantined (absent from older nodes' replies: false). */
  quarantined?: boolean;
}
