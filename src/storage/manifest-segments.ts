/**
 * Manifests of any size on the wire. A message body's JSON is capped at 1 MiB, and a chunk
 * hash costs 67 bytes of it, so a manifest of more than about 15,000 chunks (a 15 GiB file)
 * does not fit one message. On the wire a manifest therefore carries at most the first
 * SEGMENT_CHUNKS hashes of its list plus `chunkCount`; the rest travels in segments:
 *
 * - pulled (a lookup, a get): the receiver asks for `{ key, version, from }` until it has
 *   `chunkCount` hashes (`storage.manifest.chunks` between nodes, `client.get.chunks` for the CLI);
 * - pushed (a commit): the sender first stages the later segments on the holder under a stage
 *   id (`storage.manifest.stage`), then commits the head naming that id.
 */
import { randomBytes } from 'node:crypto';
import { FileManifest } from '../peer-repository/file.repository';
import { StorageProtocolError } from './storage-protocol.errors';

/** Hashes per segment: about 550 KB of JSON, half the body limit. */
export const SEGMENT_CHUNKS = 8192;
/** The longest chunk list accepted (16 TiB in 1 MiB chunks). */
const MAX_CHUNKS = 16 * 1024 * 1024;

export type WireManifest = FileManifest & { chunkCount?: number };

/** The manifest as it goes into one message: the first segment of its chunks and their count. */
export function toWire(manifest: FileManifest): WireManifest {
  if (manifest.chunks.length <= SEGMENT_CHUNKS) return manifest;
  return { ...manifest, chunks: manifest.chunks.slice(0, SEGMENT_CHUNKS), chunkCount: manifest.chunks.length };
}

/** The segment of `chunks` that starts at `from`. */
export function segmentAt(chunks: readonly string[], from: number): string[] {
  if (!Number.isSafeInteger(from) || from < 0) throw new StorageProtocolError('segment start invalid');
  return chunks.slice(from, from + SEGMENT_CHUNKS);
}

/** The later segments of a manifest, to stage before its head is committed. */
export function laterSegments(manifest: FileManifest): Array<{ from: number; chunks: string[] }> {
  const out: Array<{ from: number; chunks: string[] }> = [];
  for (let from = SEGMENT_CHUNKS; from < manifest.chunks.length; from += SEGMENT_CHUNKS) out.push({ from, chunks: segmentAt(manifest.chunks, from) });
  return out;
}

/**
 * An untrusted wire manifest with its whole chunk list: fetched segment by segment with `fetch`
 * when it carries a `chunkCount` beyond its inline hashes. The result still goes through
 * parseManifest (which checks every hash and the count against the size).
 */
export async function completeChunks(raw: unknown, fetch: (from: number) => Promise<unknown>): Promise<unknown> {
  if (typeof raw !== 'object' || raw === null) return raw;
  const { chunkCount, ...rest } = raw as { chunkCount?: unknown; chunks?: unknown };
  if (chunkCount === undefined) return raw;
  if (!Number.isSafeInteger(chunkCount) || (chunkCount as number) > MAX_CHUNKS || !Array.isArray(rest.chunks)) {
    throw new StorageProtocolError('manifest chunk count invalid');
  }
  const chunks = [...(rest.chunks as unknown[])];
  while (chunks.length < (chunkCount as number)) {
    const segment = await fetch(chunks.length);
    if (!Array.isArray(segment) || segment.length === 0) throw new StorageProtocolError(`chunk list segment at ${chunks.length} missing`);
    chunks.push(...segment);
    if (chunks.length > (chunkCount as number)) throw new StorageProtocolError('chunk list longer than its count');
  }
  return { ...rest, chunks };
}

/** Staged chunks a holder keeps this long for the commit that names them. */
const STAGE_TTL_MS = 60_000;
/** Hashes staged at once on a holder, over every stage (about 80 MB of strings). */
const MAX_STAGED_HASHES = 1024 * 1024;

/** Holder side of a pushed manifest: the later segments, kept until its commit takes them. */
export class ManifestStaging {
  private readonly stages = new Map<string, { chunks: string[]; at: number }>();
  private staged = 0;

  static newId(): string {
    return randomBytes(12).toString('hex');
  }

  /** Adds a segment; segments must come in order, each starting where the last one ended. */
  add(stageId: string, from: number, chunks: unknown, now = Date.now()): void {
    this.expire(now);
    if (!Array.isArray(chunks) || chunks.length === 0 || chunks.length > SEGMENT_CHUNKS || !chunks.every((c) => typeof c === 'string')) {
      throw new StorageProtocolError('staged segment invalid');
    }
    if (this.staged + chunks.length > MAX_STAGED_HASHES) throw new StorageProtocolError('too many chunk hashes staged on this node; try again');
    const stage = this.stages.get(stageId) ?? { chunks: [], at: now };
    if (from !== SEGMENT_CHUNKS + stage.chunks.length) throw new StorageProtocolError(`staged segment at ${from} out of order`);
    stage.chunks.push(...(chunks as string[]));
    stage.at = now;
    this.staged += chunks.length;
    this.stages.set(stageId, stage);
  }

  /** The staged hashes of a stage, removed (empty when there is none). */
  take(stageId: string): string[] {
    const stage = this.stages.get(stageId);
    if (!stage) return [];
    this.stages.delete(stageId);
    this.staged -= stage.chunks.length;
    return stage.chunks;
  }

  private expire(now: number): void {
    for (const [id, stage] of this.stages) if (now - stage.at > STAGE_TTL_MS) this.take(id);
  }
}
