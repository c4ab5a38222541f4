import { FrameTooLargeError, MalformedFrameError } from '../transport.errors';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  Frame,
  LENGTH_PREFIX_BYTES,
  MAX_PATTERN_BYTES,
  isKnownFrameType,
} from './frame';

/**
 * Incremental frame decoder: bytes in (in any split), whole frames out.
 *
 * It never holds more than one partial frame, and it rejects an oversized length prefix
 * before buffering its body, so a hostile peer can make us hold at most `maxFrameBytes`.
 * Any violation throws a typed error; the caller closes that one connection.
 * `hasPartialFrame` lets the connection apply an idle timeout to a half-received frame.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  get hasPartialFrame(): boolean {
    return this.pendingBytes > 0;
  }

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.pendingBytes < LENGTH_PREFIX_BYTES) break;
      const length = this.peekLength();
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
      if (length < FRAME_HEADER_BYTES) throw new MalformedFrameError(`length ${length} is shorter than a header`);
      if (this.pendingBytes < LENGTH_PREFIX_BYTES + length) break;
      const bytes = this.take(LENGTH_PREFIX_BYTES + length);
      frames.push(parseFrame(bytes.subarray(LENGTH_PREFIX_BYTES)));
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.pending[0];
    if (first.length >= LENGTH_PREFIX_BYTES) return first.readUInt32BE(0);
    return Buffer.concat(this.pending, this.pendingBytes).readUInt32BE(0);
  }

  /**
   * Removes the next n bytes as one buffer of their own: copied once into a buffer of exactly
   * that size (so a frame never pins a larger receive buffer), or sliced when the frame is
   * most of a single received piece.
   */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0];
      const need = n - filled;
      if (head.length <= need) {
        head.copy(out, filled);
        filled += head.length;
        this.pending.shift();
      } else {
        head.copy(out, filled, 0, need);
        filled += need;
        this.pending[0] = head.subarray(need);
      }
    }
    this.pendingBytes -= n;
    return out;
  }
}

function parseFrame(bytes: Buffer): Frame {
  const type = bytes.readUInt8(0);
  if (!isKnownFrameType(type)) throw new MalformedFrameError(`unknown frame type ${type}`);
  const correlationId = bytes.readUInt32BE(1);
  const patternLength = bytes.readUInt16BE(5);
  if (patternLength > MAX_PATTERN_BYTES) throw new MalformedFrameError(`pattern length ${patternLength}`);
  if (FRAME_HEADER_BYTES + patternLength > bytes.length) {
    throw new MalformedFrameError(`pattern length ${patternLength} runs past the frame`);
  }
  const pattern = bytes.toString('utf8', FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + patternLength);
  // `bytes` is this frame's own buffer (see take), so a view is enough: nothing else is pinned.
  const body = bytes.subarray(FRAME_HEADER_BYTES + patternLength);
  return { type, correlationId, pattern, body };
}
