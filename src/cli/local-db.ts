/** Opens a node's database for a read/maintenance command, and always closes it. */
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase } from '../peer-repository/data-source';

export async function withDatabase<T>(dbPath: string | undefined, work: (db: DataSource) => Promise<T>): Promise<T> {
  const db = await openDatabase(path.resolve(dbPath || 'p2p.db'));
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
