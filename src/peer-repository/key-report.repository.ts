import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FileEntity } from './entities';
import { FileManifest, manifestOf } from './file.repository';
import { KeyReportCache } from './key-report-cache';
import { onKeysWritten } from './write-lock';

/** Everything this node holds about one key: what a read asks each holder for. */
export interface KeyRecord {
  manifest: FileManifest | null;
  tombstone: { key: string; version: string } | null;
  aborted: string[];
  /**
   * Present when this node knows the store of its held version was acknowledged (see
   * FileEntity.settled): the holders that store was placed on.
   */
  settledFor?: string[];
}

interface KeyRow {
  key: string | null;
  version: string | null;
  size: number | null;
  contentHash: string | null;
  chunkSize: number | null;
  createdAt: number | null;
  meta: string | null;
  settled: number | null;
  chunks: string | null;
  tombstone: string | null;
  aborted: string | null;
  settledFor: string | null;
}

/** Bytes of key reports kept in memory (key-report-cache.ts): some ten thousand small objects'. */
export const KEY_REPORT_CACHE_BYTES = 8 * 1024 * 1024;
/**
 * A write of at most this many keys is followed by a read of each into the cache, so that the
 * first get after a store finds it there (one indexed read after the write's fsynced
 * transaction). A larger write (a batch of copies) only drops its keys.
 */
export const WARM_KEYS_PER_WRITE = 4;

/**
 * A key's manifest with its chunk list, its tombstone, its aborted versions and whether its
 * store is known acknowledged (with the holders it was placed on) in one SQLite
 * statement: a read asks every holder it consults for this, once per GET, where four
 * separate queries (manifest, chunks, tombstone, aborts) cost four round trips through
 * TypeORM and the sqlite3 thread pool. One statement also reads one snapshot of the key.
 * The statement's row is kept in memory until a write of the key (key-report-cache.ts); the
 * report is built from it afresh for each caller.
 */
@Injectable()
export class KeyReportRepository {
  private readonly cache = new KeyReportCache<KeyRow>(KEY_REPORT_CACHE_BYTES, rowBytes);

  constructor(private readonly dataSource: DataSource) {
    onKeysWritten(dataSource, (keys) => {
      this.cache.invalidate(keys);
      if (keys && keys.length <= WARM_KEYS_PER_WRITE) for (const key of keys) void this.get(key).catch(() => undefined);
    });
  }

  /** How many reports are kept in memory, and their estimated bytes (metrics, tests). */
  cached(): { keys: number; bytes: number } {
    return { keys: this.cache.size, bytes: this.cache.usedBytes };
  }

  async get(key: string): Promise<KeyRecord> {
    const kept = this.cache.get(key);
    if (kept) return recordOf(key, kept);
    const ticket = this.cache.begin(key);
    let row: KeyRow;
    try {
      row = (await this.read(key)) ?? EMPTY_ROW;
    } catch (err) {
      this.cache.abandon(key, ticket);
      throw err;
    }
    this.cache.keep(key, ticket, row);
    return recordOf(key, row);
  }

  private async read(key: string): Promise<KeyRow | undefined> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT f.key, f.version, f.size, f.contentHash, f.chunkSize, f.createdAt, f.meta, f.settled,
         (SELECT json_group_array(c.hash ORDER BY c.idx) FROM file_chunks c WHERE c.key = f.key) AS chunks,
         (SELECT t.version FROM tombstones t WHERE t.key = ?) AS tombstone,
         (SELECT json_group_array(a.version) FROM aborted_versions a WHERE a.key = ?) AS aborted,
         CASE WHEN f.settled = 1 THEN (SELECT json_group_array(s.nodeId) FROM shares s WHERE s.key = f.key AND s.version = f.version) END AS settledFor
       FROM (SELECT 1) LEFT JOIN files f ON f.key = ?`,
      [key, key, key],
    );
    return rows[0];
  }
}

const EMPTY_ROW: KeyRow = { key: null, version: null, size: null, contentHash: null, chunkSize: null, createdAt: null, meta: null, settled: null, chunks: null, tombstone: null, aborted: null, settledFor: null };

function recordOf(key: string, r: KeyRow): KeyRecord {
  const aborted = r.aborted ? (JSON.parse(r.aborted) as string[]) : [];
  const tombstone = r.tombstone ? { key, version: r.tombstone } : null;
  if (r.key === null || r.version === null) return { manifest: null, tombstone, aborted };
  const manifest: FileManifest = manifestOf(r as unknown as FileEntity, r.chunks ? (JSON.parse(r.chunks) as string[]) : []);
  return { manifest, tombstone, aborted, ...(r.settledFor ? { settledFor: JSON.parse(r.settledFor) as string[] } : {}) };
}

/** A row's strings (one byte a character in V8's usual representation) and the objects around them. */
function rowBytes(r: KeyRow): number {
  let chars = 0;
  for (const v of Object.values(r)) if (typeof v === 'string') chars += v.length;
  return chars + 200;
}
