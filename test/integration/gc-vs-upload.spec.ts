/**
 * Garbage collection and uploads: a chunk an open upload has sent is pinned until a manifest
 * naming it is committed, so a delete that frees the same bytes cannot take it from under the
 * commit; and an overwrite frees the old version's chunks at once when nothing else uses them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../src/storage/chunker';
import { StoragePatterns } from '../../src/storage/storage.types';
import { runCli } from '../helpers/cli-runner';
import { TestNode } from '../helpers/node-harness';
import { testCluster } from '../helpers/test-cluster';

function chunkFile(node: TestNode, hash: string): string {
  return path.join(node.dir, 'blobs', hash.slice(0, 2), hash);
}

describe('garbage collection against uploads', () => {
  const { harness, client: clientOf } = testCluster();

  it('a store that reuses the chunk of a file deleted while it was open commits and reads back', async () => {
    const [a] = await harness.chain(1);
    const zeros = Buffer.alloc(4096);
    const file = path.join(harness.dir('gc-race'), 'zeros.bin');
    fs.writeFileSync(file, zeros);
    assert.equal((await runCli(['store', 'A', file, '--bootstrap', a.p2p])).code, 0);

    const client = clientOf(a);
    const { uploadId } = await client.call<{ uploadId: string }>(StoragePatterns.clientStoreBegin, { key: 'B' });
    await client.call(StoragePatterns.clientStoreChunk, { uploadId, index: 0, hash: sha256Hex(zeros), blob: zeros });
    assert.equal((await runCli(['delete', 'A', '--bootstrap', a.p2p])).code, 0);
    assert.ok(fs.existsSync(chunkFile(a, sha256Hex(zeros))), 'the open upload keeps its chunk through the delete');

    await client.call(StoragePatterns.clientStoreCommit, { uploadId });
    const got = await runCli(['get', 'B', '--bootstrap', a.p2p, '--out', path.join(harness.dir('gc-race-out'), 'b.bin')]);
    assert.equal(got.code, 0, got.stderr);
  });

  it('an overwrite frees the chunks of the old version that nothing else uses, at once', async () => {
    const [a] = await harness.chain(1);
    const dir = harness.dir('gc-overwrite');
    const first = Buffer.from('the first version of this file');
    const shared = Buffer.from('a file with the same bytes as the first version, kept');
    fs.writeFileSync(path.join(dir, 'v1'), first);
    fs.writeFileSync(path.join(dir, 'v2'), 'the second version');
    fs.writeFileSync(path.join(dir, 'other'), first);
    fs.writeFileSync(path.join(dir, 'shared'), shared);
    assert.equal((await runCli(['store', 'k', path.join(dir, 'v1'), '--bootstrap', a.p2p])).code, 0);
    assert.equal((await runCli(['store', 'same', path.join(dir, 'other'), '--bootstrap', a.p2p])).code, 0);
    assert.equal((await runCli(['store', 'k2', path.join(dir, 'shared'), '--bootstrap', a.p2p])).code, 0);
    assert.equal((await runCli(['store', 'k2', path.join(dir, 'v2'), '--bootstrap', a.p2p])).code, 0);
    assert.equal(fs.existsSync(chunkFile(a, sha256Hex(shared))), false, "the old version's own chunk is freed");
    assert.equal((await runCli(['store', 'k', path.join(dir, 'v2'), '--bootstrap', a.p2p])).code, 0);
    assert.ok(fs.existsSync(chunkFile(a, sha256Hex(first))), 'a chunk another file uses stays');
    assert.equal((await runCli(['get', 'same', '--bootstrap', a.p2p])).stdout, first.toString());
  });
});
