/**
 * The chunk-table migration: a database written before it (chunk lists as JSON in `files`)
 * opens with every manifest's chunks in `file_chunks`, in order, and nothing else changed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, openDatabase } from '../../src/peer-repository/data-source';
import { FileRepository } from '../../src/peer-repository/file.repository';
import { Initial1764000000000 } from '../../src/peer-repository/migrations/1764000000000-initial';
import { removeDir, tmpDir } from '../helpers/tmp-dir';

describe('chunk table migration', () => {
  const dir = tmpDir('chunk-migration');
  after(() => removeDir(dir));

  it('moves the JSON chunk lists of an older database into file_chunks', async () => {
    const dbPath = path.join(dir, 'p2p.db');
    const old = new DataSource({ ...dataSourceOptions(dbPath), entities: [], migrations: [Initial1764000000000] });
    await old.initialize();
    await old.runMigrations();
    const chunks = ['b'.repeat(64), 'a'.repeat(64), 'b'.repeat(64)];
    await old.query('INSERT INTO files (key, version, size, contentHash, chunkSize, chunks, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)', ['k', 'v1', 3, 'c'.repeat(64), 1, JSON.stringify(chunks), 5]);
    await old.destroy();

    const ds = await openDatabase(dbPath);
    try {
      const files = new FileRepository(ds);
      const got = await files.get('k');
      assert.deepEqual(got, { key: 'k', version: 'v1', size: 3, contentHash: 'c'.repeat(64), chunkSize: 1, chunks, createdAt: 5 });
      assert.equal(await files.isReferenced('a'.repeat(64)), true);
      assert.equal(await files.isReferenced('d'.repeat(64)), false);
      assert.deepEqual((await files.summaries()).map((s) => s.chunkCount), [3]);
    } finally {
      await ds.destroy();
    }
  });
});
