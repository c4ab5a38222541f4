import type { SyncEntry } from './sync-digest';

export const SyncPatterns = {
  digest: 'storage.sync.digest',
  missingChunks: 'storage.chunk.missing',
} as const;

export interface DigestRequest {
  digests: string[];
}

export interface DigestReply {
  /** The replier's entries in every bucket whose digest differed. */
  entries: SyncEntry[];
  differing: number[];
}
