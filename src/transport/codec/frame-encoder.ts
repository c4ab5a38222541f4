import { FrameTooLargeError, MalformedFrameError } from '../transport.errors';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, Frame, LENGTH_PREFIX_BYTES, MAX_PATTERN_BYTES } from './frame';

/** Serialises one frame. Pure; refuses what the decoder on the other side would refuse. */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const parts = encodeFrameParts({ ...frame, body: [frame.body] }, maxFrameBytes);
  return Buffer.concat(parts);
}

/**
 * The same frame as a list of buffers to hand to the socket in one gathered write, so a
 * 1 MiB chunk is never copied into a new buffer just to prepend a header.
 */
export function encodeFrameParts(frame: Omit<Frame, 'body'> & { body: Buffer[] }, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer[] {
  const pattern = Buffer.from(frame.pattern, 'utf8');
  if (pattern.length > MAX_PATTERN_BYTES) {
    throw new MalformedFrameError(`pattern of ${pattern.length} bytes exceeds ${MAX_PATTERN_BYTES}`);
  }
  const bodyLength = frame.body.reduce((n, b) => n + b.length, 0);
  const length = FRAME_HEADER_BYTES + pattern.length + bodyLength;
  if (length > maxFrameBytes) throw new FrameTooLargeError(length, maxFrameBytes);
  const head = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + FRAME_HEADER_BYTES + pattern.length);
  head.writeUInt32BE(length, 0);
  head.writeUInt8(frame.type, 4);
  head.writeUInt32BE(frame.correlationId >>> 0, 5);
  head.writeUInt16BE(pattern.length, 9);
  pattern.copy(head, LENGTH_PREFIX_BYTES + FRAME_HEADER_BYTES);
  return [head, ...frame.body.filter((b) => b.length > 0)];
}
