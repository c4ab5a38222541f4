/**
 * An overwrite that reaches a holder by anti-entropy, after the store was acknowledged without
 * it: the holder frees the version it replaced at once (the copy comes marked settled by a
 * holder the coordinator told), rather than keeping it for an abort that cannot come.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { allHold, heldVersion, keptPrevious, readDb } from '../helpers/node-db';
import { TestNode, logsOnFailure, waitForMesh } from '../helpers/node-harness';
import { testCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

const CHUNK = 4096;
const KEY = 'album/photo.jpg';
const ARGS = ['--replicas', '3', '--write-quorum', '2', '--chunk-size', String(CHUNK)];

describe('an overwrite a holder missed and gets by anti-entropy', () => {
  const { harness, mesh, client } = testCluster();
  let nodes: TestNode[] = [];

  it('frees the version it replaced as soon as it holds the acknowledged one', () =>
    logsOnFailure(() => nodes, async () => {
      nodes = await mesh(3, { args: ARGS });
      const [coordinator, , away] = nodes;
      const store = async (body: Buffer) => (await client(coordinator, '30s').store(KEY, (async function* () { yield body; })())).version;
      const first = await store(crypto.randomBytes(CHUNK * 3));
      await waitFor(() => allHold(nodes, KEY, first), { description: 'every node to hold the first version' });

      await away.kill();
      const second = await store(crypto.randomBytes(CHUNK * 3));
      await waitFor(async () => (await Promise.all(nodes.slice(0, 2).map(keptPrevious))).every((n) => n === 0), { description: 'the confirmed holders to be told the store was acknowledged' });

      nodes[2] = await harness.start({ name: 'node2', dir: away.dir, listen: away.p2p, bootstrap: [coordinator.p2p], args: ARGS });
      await waitForMesh(nodes);
      await waitFor(async () => (await heldVersion(nodes[2], KEY)) === second, { timeoutMs: 30_000, description: 'the returning holder to get the overwrite' });
      await waitFor(async () => (await keptPrevious(nodes[2])) === 0, { timeoutMs: 10_000, description: 'the returning holder to free the version the overwrite replaced' });
      const chunks = await readDb<{ n: number }>(nodes[2].dbPath, 'SELECT count(*) AS n FROM previous_chunks');
      assert.equal(chunks[0].n, 0);
    }));
});
