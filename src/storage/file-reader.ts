/**
 * Reads a byte range of a stored file as a stream of buffers, chunk by chunk, with a small
 * read-ahead: the next chunks are fetched (from this node or a holder, verified) while the
 * current one is being sent, so a long read is not a sequence of round trips. At most
 * `readAhead + 1` chunks are in memory.
 */
import type { FileManifest } from '../peer-repository/file.repository';
import type { StorageService } from './storage.service';

export const DEFAULT_READ_AHEAD = 3;

/** `end` is inclusive; an empty file or an empty range yields nothing. */
export async function* readFileRange(
  storage: Pick<StorageService, 'chunk'>,
  manifest: FileManifest,
  start = 0,
  end = manifest.size - 1,
  readAhead = DEFAULT_READ_AHEAD,
): AsyncGenerator<Buffer> {
  if (manifest.size === 0 || end < start) return;
  const first = Math.floor(start / manifest.chunkSize);
  const last = Math.floor(end / manifest.chunkSize);
  const pending: Array<Promise<Buffer>> = [];
  let next = first;
  const fill = () => {
    while (next <= last && pending.length <= readAhead) {
      const p = storage.chunk(manifest.key, manifest.chunks[next++]);
      // A fetch that fails while an earlier chunk is still being sent is reported in order.
      p.catch(() => undefined);
      pending.push(p);
    }
  };
  try {
    for (let i = first; i <= last; i++) {
      fill();
      const data = await pending.shift()!;
      const offset = i * manifest.chunkSize;
      yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
    }
  } finally {
    pending.length = 0;
  }
}
