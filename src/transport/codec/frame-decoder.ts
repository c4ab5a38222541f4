import { FrameTooLargeError, MalformedFrameError } from '../transport.errors';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  Frame,
  LENGTH_PREFIX_BYTES,
  MAX_PATTERN_BYTES,
  isKnownFrameType,
} from './frame';
import { FRAME_SLAB_BYTES, frameBuffer } from './frame-buffers';

/**
 * A frame up to this size gets its buffer as soon as its length prefix is read (a recycled one
 * when large: see frame-buffers), and bytes are copied into it as they arrive; a larger one is
 * collected piece by piece and joined at the end. So a peer that announces a frame makes us
 * allocate at most this much before sending it (one 1 MiB chunk and its header fit).
 */
export const UPFRONT_FRAME_BYTES = FRAME_SLAB_BYTES;

/**
 * Incremental frame decoder: bytes in (in any split), whole frames out.
 *
 * Every byte is copied out of the pushed buffer before `push` returns, so the caller may reuse
 * its receive buffer (see PeerConnection: outbound sockets read into one fixed buffer), and each
 * frame is copied once, into a buffer of exactly its size. It never holds more than one partial
 * frame, and it rejects an oversized length prefix before buffering its body, so a hostile peer
 * can make us hold at most `maxFrameBytes`. Any violation throws a typed error; the caller closes
 * that one connection. `hasPartialFrame` lets the connection apply an idle timeout to a
 * half-received frame.
 */
export class FrameDecoder {
  private readonly prefix = Buffer.alloc(LENGTH_PREFIX_BYTES);
  private prefixFilled = 0;
  /** The frame being received (without its length prefix), when it fits UPFRONT_FRAME_BYTES. */
  private frame: Buffer | undefined;
  /** Pieces of a larger frame being received, and its announced length. */
  private pieces: Buffer[] | undefined;
  private length = 0;
  private filled = 0;

  /**
   * The largest frame accepted from the next length prefix on. A connection starts with the
   * handshake's small limit and raises it once the peer authenticated (PeerConnection), so an
   * unauthenticated socket can make us hold a few KiB, not a chunk-sized frame.
   */
  maxFrameBytes: number;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  get hasPartialFrame(): boolean {
    return this.prefixFilled > 0 || this.frame !== undefined || this.pieces !== undefined;
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.frame && !this.pieces) {
        const n = Math.min(LENGTH_PREFIX_BYTES - this.prefixFilled, chunk.length - offset);
        chunk.copy(this.prefix, this.prefixFilled, offset, offset + n);
        this.prefixFilled += n;
        offset += n;
        if (this.prefixFilled < LENGTH_PREFIX_BYTES) break;
        this.begin(this.prefix.readUInt32BE(0));
      }
      const n = Math.min(this.length - this.filled, chunk.length - offset);
      if (this.frame) chunk.copy(this.frame, this.filled, offset, offset + n);
      else this.pieces!.push(Buffer.from(chunk.subarray(offset, offset + n)));
      this.filled += n;
      offset += n;
      if (this.filled === this.length) frames.push(parseFrame(this.finish()));
    }
    return frames;
  }

  private begin(length: number): void {
    if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
    if (length < FRAME_HEADER_BYTES) throw new MalformedFrameError(`length ${length} is shorter than a header`);
    this.prefixFilled = 0;
    this.length = length;
    this.filled = 0;
    if (length <= UPFRONT_FRAME_BYTES) this.frame = frameBuffer(length);
    else this.pieces = [];
  }

  private finish(): Buffer {
    const bytes = this.frame ?? Buffer.concat(this.pieces!, this.length);
    this.frame = undefined;
    this.pieces = undefined;
    return bytes;
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
  // `bytes` is this frame's own buffer (see begin), so a view is enough: nothing else is pinned.
  const body = bytes.subarray(FRAME_HEADER_BYTES + patternLength);
  return { type, correlationId, pattern, body };
}
