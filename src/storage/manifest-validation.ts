import { FileManifest } from '../peer-repository/file.repository';
import { StorageProtocolError } from './storage-protocol.errors';
import { validateKey } from './key';

const HASH = /^[0-9a-f]{64}$/;

/** Checks a manifest that came off the wire before it is stored. */
export function parseManifest(x: unknown): FileManifest {
  if (typeof x !== 'object' || x === null) throw new StorageProtocolError('manifest is not an object');
  const m = x as Record<string, unknown>;
  const chunks = m.chunks;
  if (typeof m.key !== 'string') throw new StorageProtocolError('manifest key missing');
  const key = validateKey(m.key);
  if (typeof m.version !== 'string' || m.version.length > 200) throw new StorageProtocolError('manifest version invalid');
  if (!Number.isSafeInteger(m.size) || (m.size as number) < 0) throw new StorageProtocolError('manifest size invalid');
  if (typeof m.contentHash !== 'string' || !HASH.test(m.contentHash)) throw new StorageProtocolError('manifest content hash invalid');
  if (!Number.isSafeInteger(m.chunkSize) || (m.chunkSize as number) < 1) throw new StorageProtocolError('manifest chunk size invalid');
  if (!Array.isArray(chunks) || !chunks.every((c) => typeof c === 'string' && HASH.test(c))) {
    throw new StorageProtocolError('manifest chunk list invalid');
  }
  if (chunks.length !== Math.ceil((m.size as number) / (m.chunkSize as number))) {
    throw new StorageProtocolError('manifest chunk count does not match its size');
  }
  return {
    key,
    version: m.version,
    size: m.size as number,
    contentHash: m.contentHash,
    chunkSize: m.chunkSize as number,
    chunks: chunks as string[],
    createdAt: Number.isSafeInteger(m.createdAt) ? (m.createdAt as number) : Date.now(),
  };
}
