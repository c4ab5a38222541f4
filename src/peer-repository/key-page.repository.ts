/**
 * Pages of the keys this node holds, in key order: manifests and tombstones under a prefix,
 * after a key. What a cluster-wide listing gathers from every member (storage/key-listing).
 * SQLite compares text as bytes, so the order is the UTF-8 byte order of the keys.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface HeldFileEntry {
  key: string;
  version: string;
  size: number;
  contentHash: string;
  createdAt: number;
  meta?: Record<string, string>;
}

export interface HeldTombstoneEntry {
  key: string;
  version: string;
}

@Injectable()
export class KeyPageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Up to `limit` manifests with keys starting with `prefix` and greater than `after`. */
  async files(prefix: string, after: string, limit: number): Promise<HeldFileEntry[]> {
    const rows: Array<{ key: string; version: string; size: number; contentHash: string; createdAt: number; meta: string | null }> = await this.dataSource.query(
      `SELECT "key", "version", "size", "contentHash", "createdAt", "meta" FROM "files"
        WHERE "key" > ? AND "key" >= ? AND substr("key", 1, length(?)) = ? ORDER BY "key" LIMIT ?`,
      [after, prefix, prefix, prefix, limit],
    );
    return rows.map((r) => ({
      key: r.key,
      version: r.version,
      size: Number(r.size),
      contentHash: r.contentHash,
      createdAt: Number(r.createdAt),
      ...(r.meta ? { meta: JSON.parse(r.meta) as Record<string, string> } : {}),
    }));
  }

  /** Up to `limit` tombstones with keys starting with `prefix` and greater than `after`. */
  tombstones(prefix: string, after: string, limit: number): Promise<HeldTombstoneEntry[]> {
    return this.dataSource.query(
      `SELECT "key", "version" FROM "tombstones" WHERE "key" > ? AND "key" >= ? AND substr("key", 1, length(?)) = ? ORDER BY "key" LIMIT ?`,
      [after, prefix, prefix, prefix, limit],
    );
  }
}
