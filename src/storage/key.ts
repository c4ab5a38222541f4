import { InvalidKeyError } from './storage.errors';

export const MAX_KEY_BYTES = 1024;

/**
 * Keys are opaque: 1-1024 bytes of UTF-8 without control characters. They are stored in
 * SQLite and hashed for placement, never turned into paths.
 */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError('a key must not be empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw new InvalidKeyError(`${bytes} bytes is longer than ${MAX_KEY_BYTES}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key)) throw new InvalidKeyError('control characters are not allowed');
  if (/[\ud800-\udfff]/.test(key.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) throw new InvalidKeyError('not valid UTF-8');
  return key;
}
