/**
 * Databases opened the way a node opens its own (openDatabase: folders created, migrations
 * run, WAL on), each in a fresh temp folder, for tests of the repositories and of what is
 * built on them. `closeAll` in the suite's `after` closes them and removes the folders.
 */
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase } from '../../src/peer-repository/data-source';
import { FileManifest } from '../../src/peer-repository/file.repository';
import { removeDir, tmpDir } from './tmp-dir';

export class ScratchDatabases {
  private readonly dirs: string[] = [];
  private readonly sources: DataSource[] = [];

  /** A new database, below folders that do not exist yet; or the one at `dbPath` again. */
  async open(dbPath?: string): Promise<{ ds: DataSource; dbPath: string }> {
    if (!dbPath) {
      const dir = tmpDir('repo');
      this.dirs.push(dir);
      dbPath = path.join(dir, 'missing', 'folders', 'p2p.db');
    }
    const ds = await openDatabase(dbPath);
    this.sources.push(ds);
    return { ds, dbPath };
  }

  /** Closes `ds` now (to open its file again); its folder stays until `closeAll`. */
  async close(ds: DataSource): Promise<void> {
    this.sources.splice(this.sources.indexOf(ds), 1);
    await ds.destroy();
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.sources.splice(0).map((ds) => ds.destroy()));
    this.dirs.splice(0).forEach(removeDir);
  }
}

/** A manifest of one 3-byte chunk: what repository tests store when only key and version matter. */
export const oneChunkManifest = (key: string, version: string): FileManifest => ({
  key,
  version,
  size: 3,
  contentHash: 'c'.repeat(64),
  chunkSize: 1024,
  chunks: ['a'.repeat(64)],
  createdAt: 1,
});
