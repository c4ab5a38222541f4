import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FileEntity } from './entities';
import { FileManifest, manifestOf } from './file.repository';

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

/**
 * A key's manifest with its chunk list, its tombstone, its aborted versions and whether its
 * store is known acknowledged (with the holders it was placed on) in one SQLite
 * statement: a read asks every holder it consults for this, once per GET, where four
 * separate queries (manifest, chunks, tombstone, aborts) cost four round trips through
 * TypeORM and the sqlite3 thread pool. One statement also reads one snapshot of the key.
 */
@Injectable()
export class KeyReportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(key: string): Promise<KeyRecord> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT f.key, f.version, f.size, f.contentHash, f.chunkSize, f.createdAt, f.meta, f.settled,
         (SELECT json_group_array(c.hash ORDER BY c.idx) FROM file_chunks c WHERE c.key = f.key) AS chunks,
         (SELECT t.version FROM tombstones t WHERE t.key = ?) AS tombstone,
         (SELECT json_group_array(a.version) FROM aborted_versions a WHERE a.key = ?) AS aborted,
         CASE WHEN f.settled = 1 THEN (SELECT json_group_array(s.nodeId) FROM shares s WHERE s.key = f.key AND s.version = f.version) END AS settledFor
       FROM (SELECT 1) LEFT JOIN files f ON f.key = ?`,
      [key, key, key],
    );
    const r = rows[0];
    const aborted = r?.aborted ? (JSON.parse(r.aborted) as string[]) : [];
    const tombstone = r?.tombstone ? { key, version: r.tombstone } : null;
    if (!r || r.key === null || r.version === null) return { manifest: null, tombstone, aborted };
    const manifest: FileManifest = manifestOf(r as unknown as FileEntity, r.chunks ? (JSON.parse(r.chunks) as string[]) : []);
    return { manifest, tombstone, aborted, ...(r.settledFor ? { settledFor: JSON.parse(r.settledFor) as string[] } : {}) };
  }
}
