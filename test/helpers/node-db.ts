/**
 * Reads a node's SQLite database from outside, read-only, while the node runs (WAL lets a
 * reader see the last commit). For checks the node's API cannot answer without asking other
 * nodes (a tombstone list while a peer is stopped) or that would be costly through it (a count
 * of 100,000 files in a benchmark).
 */
import * as sqlite3 from 'sqlite3';

export function readDb<T>(dbPath: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(dbPath, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows: T[]) => {
        db.close();
        if (e) reject(e);
        else resolve(rows);
      });
    });
  });
}
