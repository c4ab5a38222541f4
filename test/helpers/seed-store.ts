/**
 * Fills a stopped (or not yet started) node's folder with many manifests at once, straight into
 * its database in one transaction, so a test can have a node that holds 10,000 keys without
 * storing them one by one. Every manifest names the same one-chunk content, written once.
 */
import * as path from 'node:path';
import { sha256Hex } from '../../src/storage/chunker';
import { ChunkStore } from '../../src/storage/chunk-store';
import { openDatabase } from '../../src/peer-repository/data-source';

export interface SeedOptions {
  keys: string[];
  /** A version stamp for each key (see storage/version.ts). */
  version: (key: string) => string;
  content?: Buffer;
  /** Each key's own content (one chunk each) instead of one shared `content`. */
  contentOf?: (key: string) => Buffer;
}

export async function seedManifests(dir: string, options: SeedOptions): Promise<void> {
  const content = options.content ?? Buffer.from('seeded');
  const hash = sha256Hex(content);
  const chunks = new ChunkStore(path.join(dir, 'blobs'));
  await chunks.init();
  await chunks.put(hash, content);
  const own = new Map<string, { data: Buffer; hash: string }>();
  if (options.contentOf) {
    for (const key of options.keys) {
      const data = options.contentOf(key);
      own.set(key, { data, hash: sha256Hex(data) });
      await chunks.put(sha256Hex(data), data);
    }
  }
  const ds = await openDatabase(path.join(dir, 'p2p.db'));
  try {
    await ds.transaction(async (m) => {
      for (const key of options.keys) {
        const file = own.get(key) ?? { data: content, hash };
        await m.query('INSERT OR REPLACE INTO files (key, version, size, contentHash, chunkSize, chunkCount, createdAt) VALUES (?, ?, ?, ?, ?, 1, ?)', [key, options.version(key), file.data.length, file.hash, 1024 * 1024, Date.now()]);
        await m.query('INSERT OR REPLACE INTO file_chunks (key, idx, hash) VALUES (?, 0, ?)', [key, file.hash]);
      }
      // A node that synced just now: it starts serving, not quarantined.
      await m.query('INSERT OR REPLACE INTO node_meta (name, value) VALUES (?, ?)', ['last_sync_at', String(Date.now())]);
    });
  } finally {
    await ds.destroy();
  }
}

/** A version stamp of now for a writer id (8-64 hex digits). */
export function stampNow(writer = '5eed5eed', counter = 0): string {
  return `${String(Date.now()).padStart(15, '0')}.${String(counter).padStart(6, '0')}.${writer}`;
}
