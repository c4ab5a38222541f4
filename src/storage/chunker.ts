/**
 * Cutting a stream into fixed-size chunks with their SHA-256, holding at most one chunk
 * (plus the piece that overflowed it) in memory, whatever the file's size.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** The smallest --chunk-size (tests build many-chunk files with it). */
export const MIN_CHUNK_SIZE = 256;

export interface Chunk {
  index: number;
  data: Buffer;
  /** SHA-256 of `data`, lowercase hex. */
  hash: string;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function* chunkStream(source: AsyncIterable<Uint8Array | string>, chunkSize = DEFAULT_CHUNK_SIZE): AsyncGenerator<Chunk> {
  let parts: Buffer[] = [];
  let filled = 0;
  let index = 0;
  for await (const piece of source) {
    let buf = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (buf.length > 0) {
      const take = Math.min(chunkSize - filled, buf.length);
      parts.push(buf.subarray(0, take));
      filled += take;
      buf = buf.subarray(take);
      if (filled === chunkSize) {
        // A piece that fills the chunk on its own (a file read 1 MiB at a time) is used as is.
        const data = parts.length === 1 ? parts[0] : Buffer.concat(parts, filled);
        parts = [];
        filled = 0;
        yield { index: index++, data, hash: sha256Hex(data) };
      }
    }
  }
  if (filled > 0) {
    const data = Buffer.concat(parts, filled);
    yield { index, data, hash: sha256Hex(data) };
  }
}

/** The whole file's size and SHA-256, fed chunk by chunk in order. */
export class FileHasher {
  private readonly hash = createHash('sha256');
  private size = 0;

  update(data: Uint8Array): void {
    this.hash.update(data);
    this.size += data.byteLength;
  }

  digest(): { size: number; contentHash: string } {
    return { size: this.size, contentHash: this.hash.copy().digest('hex') };
  }
}
