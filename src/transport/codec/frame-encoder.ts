import { FrameTooLargeError, MalformedFrameError } from '../transport.errors';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, Frame, LENGTH_PREFIX_BYTES, MAX_PATTERN_BYTES } from './frame';

/** Serialises one frame. Pure; refuses what the decoder on the other side would refuse. */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const pattern = Buffer.from(frame.pattern, 'utf8');
  if (pattern.length > MAX_PATTERN_BYTES) {
    throw new MalformedFrameError(`pattern of ${pattern.length} bytes exceeds ${MAX_PATTERN_BYTES}`);
  }
  const length = FRAME_HEADER_BYTES + pattern.length + frame.body.length;
  if (length > maxFrameBytes) throw new FrameTooLargeError(length, maxFrameBytes);
  const head = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + FRAME_HEADER_BYTES);
  head.writeUInt32BE(length, 0);
  head.writeUInt8(frame.type, 4);
  head.writeUInt32BE(frame.correlationId >>> 0, 5);
  head.writeUInt16BE(pattern.length, 9);
  return Buffer.concat([head, pattern, frame.body], LENGTH_PREFIX_BYTES + length);
}
