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

/** The version of `key` a node's database holds, or null when it holds none. */
export async function heldVersion(node: { dbPath: string }, key: string): Promise<string | null> {
  return (await readDb<{ version: string }>(node.dbPath, 'SELECT version FROM files WHERE key = ?', [key]))[0]?.version ?? null;
}

/** Whether every one of `nodes` holds `version` of `key`. */
export async function allHold(nodes: readonly { dbPath: string }[], key: string, version: string): Promise<boolean> {
  return (await Promise.all(nodes.map((n) => heldVersion(n, key)))).every((v) => v === version);
}

/** How many replaced versions a node keeps for a possible abort of the store that replaced them. */
export async function keptPrevious(node: { dbPath: string }): Promise<number> {
  return (await readDb<{ n: number }>(node.dbPath, 'SELECT count(*) AS n FROM previous_versions'))[0].n;
}
