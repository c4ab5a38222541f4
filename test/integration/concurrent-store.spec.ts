/**
 * Two clients store the same key at once. Versions are hybrid logical clock stamps taken when
 * each store begins; the newer one wins (last writer wins), and the older writer is told
 * (SUPERSEDED, exit code 8) rather than silently losing its write.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeClient } from '../../src/cli/node-client';
import { sha256Hex } from '../../src/storage/chunker';
import { StoragePatterns } from '../../src/storage/storage.types';
import { P2pError } from '../../src/common/errors';
import { runCli } from '../helpers/cli-runner';
import { testCluster } from '../helpers/test-cluster';

async function begin(client: NodeClient, key: string, content: string) {
  const { uploadId } = await client.call<{ uploadId: string }>(StoragePatterns.clientStoreBegin, { key });
  const blob = Buffer.from(content);
  await client.call(StoragePatterns.clientStoreChunk, { uploadId, index: 0, hash: sha256Hex(blob), blob });
  return () => client.call(StoragePatterns.clientStoreCommit, { uploadId });
}

describe('two clients storing one key at once', () => {
  const { harness, mesh, client: clientOf } = testCluster();

  it('keeps the newer store and tells the older writer it lost', async () => {
    const [a, b, c] = await mesh(3);
    const first = clientOf(a);
    const second = clientOf(b);

    const commitOlder = await begin(first, 'shared', 'from the first writer');
    const commitNewer = await begin(second, 'shared', 'from the second writer');
    await commitNewer();
    await assert.rejects(commitOlder(), (err: unknown) => {
      assert.ok(err instanceof P2pError);
      assert.equal(err.code, 'SUPERSEDED');
      assert.equal(err.exitCode, 8);
      assert.match(err.message, /lost to a concurrent store with a newer version/);
      return true;
    });
    for (const node of [a, b, c]) {
      const got = await runCli(['get', 'shared', '--bootstrap', node.p2p]);
      assert.equal(got.stdout, 'from the second writer');
    }
  });

  it('lets a later store overwrite an earlier acknowledged one (sequential last writer wins)', async () => {
    const [a] = await harness.chain(1);
    const client = clientOf(a);
    await (await begin(client, 'seq', 'one'))();
    await (await begin(client, 'seq', 'two'))();
    assert.equal((await runCli(['get', 'seq', '--bootstrap', a.p2p])).stdout, 'two');
  });
});
