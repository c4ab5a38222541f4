/**
 * The chunks of one batch message (storage.chunk.getMany's reply, or a push's
 * storage.chunk.putMany), read from disk several files at a time: one by one, a message of
 * small chunks waited on about a thousand file calls in a row. Taken in order until the
 * payload is full, and no more read ahead than the chunks seen so far say it still has room
 * for (with 1 MiB chunks, one or two).
 */
import { ChunkNotFoundError } from './storage.errors';
import { CHUNK_READS_IN_FLIGHT, inParallel } from './sync-batch';

export interface ChunkRun {
  found: Array<{ hash: string; data: Buffer }>;
  /** Hashes before `next` that are not here. */
  missing: string[];
  /** Index of the first hash not taken (hashes.length when all were). */
  next: number;
}

/** Reads `hashes` from `from` on with `get` until `maxBytes` of chunks (always at least one chunk when any is here). */
export async function readChunkRun(get: (hash: string) => Promise<Buffer>, hashes: readonly string[], from: number, maxBytes: number): Promise<ChunkRun> {
  const found: ChunkRun['found'] = [];
  const missing: string[] = [];
  let bytes = 0;
  for (let i = from, width = 2; i < hashes.length; i += width) {
    if (found.length > 0) width = Math.max(1, Math.min(CHUNK_READS_IN_FLIGHT, Math.ceil((maxBytes - bytes) / Math.max(1, bytes / found.length))));
    const read = await inParallel(hashes.slice(i, i + width), width, (hash) =>
      get(hash).then(
        (data): Buffer | undefined => data,
        (err) => {
          if (!(err instanceof ChunkNotFoundError)) throw err;
          return undefined;
        },
      ),
    );
    for (const [j, data] of read.entries()) {
      if (!data) {
        missing.push(hashes[i + j]);
        continue;
      }
      if (found.length > 0 && bytes + data.length > maxBytes) return { found, missing, next: i + j };
      found.push({ hash: hashes[i + j], data });
      bytes += data.length;
    }
  }
  return { found, missing, next: hashes.length };
}
