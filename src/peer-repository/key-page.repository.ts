/**
 * Pages of the keys this node holds, in key order: manifests, tombstones and aborted versions under a prefix,
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

/** A version of a key whose store failed (an abort record): no listing may show it. */
export type HeldAbortEntry = HeldTombstoneEntry;

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

  /**
   * Up to `limit` aborted versions (in key, then version order) of keys like those of
   * `tombstones`, and every other aborted version of the last key among them: a page never
   * holds only part of one key's aborts.
   */
  async aborted(prefix: string, after: string, limit: number): Promise<HeldAbortEntry[]> {
    const rows: HeldAbortEntry[] = await this.dataSource.query(
      `SELECT "key", "version" FROM "aborted_versions" WHERE "key" > ? AND "key" >= ? AND substr("key", 1, length(?)) = ? ORDER BY "key", "version" LIMIT ?`,
      [after, prefix, prefix, prefix, limit],
    );
    if (rows.length < limit) return rows;
    const last = rows[rows.length - 1];
    const rest: HeldAbortEntry[] = await this.dataSource.query(`SELECT "key", "version" FROM "aborted_versions" WHERE "key" = ? AND "version" > ? ORDER BY "version"`, [last.key, last.version]);
    return rows.concat(rest);
  }
}
