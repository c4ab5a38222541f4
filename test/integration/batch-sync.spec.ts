/**
 * Anti-entropy in batches (storage/sync-batch.ts, group commit in LocalReplica): a node that
 * came back empty pulls thousands of small files many per message and many per transaction.
 * Killed with SIGKILL in the middle of that, it must hold no manifest whose chunks are not on
 * disk whole (chunks are made durable before the transaction that names them), and once back
 * it catches up on the rest.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { sha256Hex } from '../../src/storage/chunker';
import { ChunkStore } from '../../src/storage/chunk-store';
import { runCli } from '../helpers/cli-runner';
import { readDb } from '../helpers/node-db';
import { NodeHarness } from '../helpers/node-harness';
import { seedManifests, stampNow } from '../helpers/seed-store';
import { waitFor } from '../helpers/wait-for';

const KEYS = Array.from({ length: 3000 }, (_, i) => `photos/2026/12/01/holiday-album/IMG_${String(i).padStart(6, '0')}.jpg`);
const contentOf = (key: string) => Buffer.from(`the bytes of ${key}`);

const held = async (dbPath: string) => (await readDb<{ n: number }>(dbPath, 'SELECT count(*) AS n FROM files'))[0]?.n ?? 0;

describe('batched anti-entropy', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('a node killed while it catches up holds only manifests whose chunks are on disk, and then catches up', async () => {
    const dirA = harness.dir('batch-a');
    const version = stampNow();
    await seedManifests(dirA, { keys: KEYS, version: () => version, contentOf });
    const args = ['--replicas', '2'];
    const a = await harness.start({ name: 'a', dir: dirA, args });
    const dirB = harness.dir('batch-b');
    let b = await harness.start({ name: 'b', dir: dirB, args, bootstrap: [a.p2p] });
    await waitFor(async () => (await held(b.dbPath)) > 0 || undefined, { timeoutMs: 60_000, description: 'b to start pulling' });
    await b.kill();

    const rows = await readDb<{ key: string; hash: string }>(b.dbPath, 'SELECT f.key AS key, c.hash AS hash FROM files f JOIN file_chunks c ON c.key = f.key');
    assert.ok(rows.length > 0 && rows.length < KEYS.length, `killed with ${rows.length} of ${KEYS.length} files: not in the middle`);
    const chunks = new ChunkStore(path.join(dirB, 'blobs'));
    for (const { key, hash } of rows) {
      assert.equal(hash, sha256Hex(contentOf(key)), `${key} names the wrong chunk`);
      assert.deepEqual(await chunks.get(hash), contentOf(key), `${key} is held without its chunk whole`);
    }

    b = await harness.start({ name: 'b', dir: dirB, args, bootstrap: [a.p2p] });
    await waitFor(async () => (await held(b.dbPath)) === KEYS.length || undefined, { timeoutMs: 90_000, description: 'b to hold every file' });
    const got = await runCli(['get', KEYS[KEYS.length - 1], '--bootstrap', b.p2p]);
    assert.equal(got.stdout, contentOf(KEYS[KEYS.length - 1]).toString());
  });

});
