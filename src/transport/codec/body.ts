import { BodyTooLargeError, MalformedFrameError } from '../transport.errors';

/**
 * A message body: JSON for the structured part, raw bytes for a binary payload.
 *
 *   [u32 BE json length J] [J bytes of UTF-8 JSON] [the rest: binary payload, may be empty]
 *
 * Chunks travel as the binary part, so a 1 MiB chunk costs 1 MiB on the wire, not 1.33 MiB
 * of base64. In handlers the payload appears as the `blob` field of the message object.
 */
export interface MessageBody {
  json: unknown;
  blob?: Buffer;
}

export const MAX_JSON_BYTES = 1024 * 1024;

export function encodeBody(value: unknown): Buffer {
  return Buffer.concat(encodeBodyParts(value));
}

/** The body as [json length + JSON, binary payload?]: the payload is passed on, never copied. */
export function encodeBodyParts(value: unknown): Buffer[] {
  const { json, blob } = splitBlob(value);
  const text = JSON.stringify(json === undefined ? null : json);
  const jsonLength = Buffer.byteLength(text, 'utf8');
  // The receiver would close the connection over it: refuse it here, where it is one error.
  if (jsonLength > MAX_JSON_BYTES) throw new BodyTooLargeError(jsonLength, MAX_JSON_BYTES);
  const head = Buffer.allocUnsafe(4 + jsonLength);
  head.writeUInt32BE(jsonLength, 0);
  head.write(text, 4, 'utf8');
  return blob ? [head, blob] : [head];
}

export function decodeBody(body: Buffer): unknown {
  if (body.length < 4) throw new MalformedFrameError('body shorter than its json length');
  const jsonLength = body.readUInt32BE(0);
  if (jsonLength > MAX_JSON_BYTES || 4 + jsonLength > body.length) {
    throw new MalformedFrameError(`json length ${jsonLength} does not fit a ${body.length}-byte body`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8', 4, 4 + jsonLength));
  } catch {
    throw new MalformedFrameError('body is not valid JSON');
  }
  const blob = body.subarray(4 + jsonLength);
  if (blob.length === 0) return json;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new MalformedFrameError('a binary payload needs a JSON object to attach to');
  }
  return { ...(json as Record<string, unknown>), blob };
}

function splitBlob(value: unknown): MessageBody {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'blob' in value) {
    const { blob, ...rest } = value as { blob?: unknown };
    if (Buffer.isBuffer(blob)) return { json: rest, blob };
    if (blob instanceof Uint8Array) return { json: rest, blob: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength) };
  }
  return { json: value };
}
