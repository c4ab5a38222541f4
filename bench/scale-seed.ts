/**
 * Seeds bench:scale's nodes before they start: the files past the ones stored through clients
 * go straight into every node's folder (with --replicas 3 on three nodes every node is a placed
 * holder of every key): one chunk file each under blobs/ and one manifest row each, all nodes
 * the same version, in one transaction per node. Chunk files are written without fsync (a
 * benchmark's seed need not survive a power loss); storing 90,000 files through clients would
 * take about 25 minutes of the run.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDatabase } from '../src/peer-repository/data-source';
import { seededRandom } from '../test/helpers/workload';
import { stampNow } from '../test/helpers/seed-store';

/** Writes files [from, to) named by `keyOf` into each node folder; returns the bytes of one node's copy. */
export async function seedNodes(dirs: string[], keyOf: (i: number) => string, from: number, to: number, seed: number): Promise<number> {
  const rnd = seededRandom(seed);
  const version = stampNow('5eed5eed');
  const files = Array.from({ length: to - from }, (_, j) => {
    const data = crypto.randomBytes(512 + Math.floor(rnd() * 3584));
    return { key: keyOf(from + j), data, hash: crypto.createHash('sha256').update(data).digest('hex') };
  });
  for (const dir of dirs) {
    const blobs = path.join(dir, 'blobs');
    for (const f of files) {
      const folder = path.join(blobs, f.hash.slice(0, 2));
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, f.hash), f.data);
    }
    const ds = await openDatabase(path.join(dir, 'p2p.db'));
    try {
      await ds.transaction(async (m) => {
        for (const f of files) {
          await m.query('INSERT INTO files (key, version, size, contentHash, chunkSize, chunkCount, createdAt) VALUES (?, ?, ?, ?, ?, 1, ?)', [f.key, version, f.data.length, f.hash, 1024 * 1024, Date.now()]);
          await m.query('INSERT INTO file_chunks (key, idx, hash) VALUES (?, 0, ?)', [f.key, f.hash]);
        }
        // Nodes that synced just now: they start serving, not quarantined.
        await m.query('INSERT OR REPLACE INTO node_meta (name, value) VALUES (?, ?)', ['last_sync_at', String(Date.now())]);
      });
    } finally {
      await ds.destroy();
    }
  }
  return files.reduce((n, f) => n + f.data.length, 0);
}
