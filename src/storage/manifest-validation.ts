import { FileManifest } from '../peer-repository/file.repository';
import { StorageProtocolError } from './storage-protocol.errors';
import { validateKey } from './key';
import { ManifestReport } from './storage.types';
import { checkIncomingVersion, isBelievableVersion } from './version-bounds';
import { parseFileMeta } from './file-meta';

const HASH = /^[0-9a-f]{64}$/;

/** Checks a manifest that came off the wire before it is stored. */
export function parseManifest(x: unknown): FileManifest {
  if (typeof x !== 'object' || x === null) throw new StorageProtocolError('manifest is not an object');
  const m = x as Record<string, unknown>;
  const chunks = m.chunks;
  if (typeof m.key !== 'string') throw new StorageProtocolError('manifest key missing');
  const key = validateKey(m.key);
  const version = checkIncomingVersion(m.version);
  if (!Number.isSafeInteger(m.size) || (m.size as number) < 0) throw new StorageProtocolError('manifest size invalid');
  if (typeof m.contentHash !== 'string' || !HASH.test(m.contentHash)) throw new StorageProtocolError('manifest content hash invalid');
  if (!Number.isSafeInteger(m.chunkSize) || (m.chunkSize as number) < 1) throw new StorageProtocolError('manifest chunk size invalid');
  if (!Array.isArray(chunks) || !chunks.every((c) => typeof c === 'string' && HASH.test(c))) {
    throw new StorageProtocolError('manifest chunk list invalid');
  }
  if (chunks.length !== Math.ceil((m.size as number) / (m.chunkSize as number))) {
    throw new StorageProtocolError('manifest chunk count does not match its size');
  }
  const meta = parseFileMeta(m.meta);
  return {
    key,
    version,
    size: m.size as number,
    contentHash: m.contentHash,
    chunkSize: m.chunkSize as number,
    chunks: chunks as string[],
    createdAt: Number.isSafeInteger(m.createdAt) ? (m.createdAt as number) : Date.now(),
    ...(meta ? { meta } : {}),
    ...(m.settled === true ? { settled: true as const } : {}),
  };
}

/**
 * Checks another node's answer to a manifest lookup: a manifest that does not parse or a
 * tombstone whose version is not believable is treated as absent, so one lying holder cannot
 * make a key look deleted (or superseded) to the node that asked.
 */
export function parseReport(x: unknown): ManifestReport {
  const r = (typeof x === 'object' && x !== null ? x : {}) as { manifest?: unknown; tombstone?: unknown; aborted?: unknown; settledFor?: unknown };
  let manifest: FileManifest | null = null;
  if (r.manifest) {
    try {
      manifest = parseManifest(r.manifest);
    } catch {
      manifest = null;
    }
  }
  const t = r.tombstone as { key?: unknown; version?: unknown } | null | undefined;
  const tombstone = t && typeof t.key === 'string' && isBelievableVersion(t.version) ? { key: t.key, version: t.version } : null;
  // An abort only ever hides that one version, so a lying holder can hide a version from a
  // reader (as by not answering) but never make an older or newer one win.
  const aborted = Array.isArray(r.aborted) ? r.aborted.filter((v): v is string => isBelievableVersion(v)).slice(0, MAX_ABORTED) : [];
  const settledFor = manifest && Array.isArray(r.settledFor) && r.settledFor.length <= MAX_HOLDERS && r.settledFor.every((id) => typeof id === 'string') ? (r.settledFor as string[]) : undefined;
  return { manifest, tombstone, ...(aborted.length ? { aborted } : {}), ...(settledFor ? { settledFor } : {}) };
}

/** Holders a settled report may name (a key is placed on --replicas of them). */
const MAX_HOLDERS = 64;

/** Aborted versions of one key a report may list (failed stores of one key are few). */
const MAX_ABORTED = 256;
