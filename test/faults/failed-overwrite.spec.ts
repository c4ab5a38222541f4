/**
 * An overwrite the client is told failed, while one holder keeps its version: the holder got
 * the commit and was killed before the coordinator's rollback could reach it, and another was
 * frozen with the commit queued on its socket. When both come back, the failed version must
 * never be served anywhere and every node must serve the last acknowledged version again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { readDb } from '../helpers/node-db';
import { TestNode, logsOnFailure, waitForMesh } from '../helpers/node-harness';
import { testCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

const CHUNK = 4096;
const KEY = 'photo.jpg';

const heldVersion = async (node: TestNode) => (await readDb<{ version: string }>(node.dbPath, 'SELECT version FROM files WHERE key = ?', [KEY]))[0]?.version ?? null;

/** What a GET of KEY through `node` returns: the body, or the HTTP status when it is not 200. */
async function served(node: TestNode): Promise<Buffer | number> {
  const res = await fetch(`http://${node.http}/v1/files/${KEY}`);
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : res.status;
}

describe('an overwrite that failed while a holder kept its version', () => {
  const { harness, mesh, client: clientOf } = testCluster();
  let nodes: TestNode[] = [];

  it('never serves the failed version; every node serves the last acknowledged one', () =>
    logsOnFailure(() => nodes, async () => {
      const args = ['--replicas', '3', '--write-quorum', '3', '--chunk-size', String(CHUNK)];
      nodes = await mesh(3, { args });
      const [coordinator, killed, frozen] = nodes;
      const client = () => clientOf(coordinator, '60s');

      const acknowledged = crypto.randomBytes(CHUNK);
      const first = await client().store(KEY, (async function* () { yield acknowledged; })());
      await waitFor(async () => (await Promise.all(nodes.map(heldVersion))).every((v) => v === first.version), { description: 'every node to hold the first version' });

      // The overwrite: its one chunk reaches every holder; then `frozen` stops, so its commit
      // waits on the socket and the coordinator waits the request deadline for it. Meanwhile
      // `killed` commits the new version and dies before the rollback is sent.
      const failedBody = crypto.randomBytes(CHUNK);
      let chunkAcked!: () => void;
      const acked = new Promise<void>((resolve) => (chunkAcked = resolve));
      const overwrite = client().store(
        KEY,
        (async function* () {
          yield failedBody;
          await acked;
          frozen.process.kill('SIGSTOP');
        })(),
        (bytes) => bytes === CHUNK && chunkAcked(),
      );
      const outcome = overwrite.then(() => 'acknowledged', (err: Error) => err.message);
      try {
        await waitFor(async () => { const v = await heldVersion(killed); return v !== null && v !== first.version; }, { timeoutMs: 9_000, description: 'the second holder to commit the new version' });
        await killed.kill();
        const told = await outcome;
        assert.match(told, /write quorum not reached/, `the client is told the overwrite failed (was: ${told})`);
      } finally {
        frozen.process.kill('SIGCONT');
      }

      // Both come back: the frozen one finds the queued commit, the killed one restarts holding it.
      nodes[1] = await harness.start({ name: 'node1', dir: killed.dir, listen: killed.p2p, bootstrap: [coordinator.p2p], args });
      await waitForMesh(nodes);
      const seen = new Set<string>();
      const check = async () => {
        for (const node of nodes) {
          const got = await served(node);
          if (Buffer.isBuffer(got) && got.equals(failedBody)) seen.add(node.name);
          else if (!(Buffer.isBuffer(got) && got.equals(acknowledged))) return false;
        }
        return (await Promise.all(nodes.map(heldVersion))).every((v) => v === first.version);
      };
      const converged = await waitFor(check, { timeoutMs: 60_000, intervalMs: 250, description: 'every node to serve and hold the acknowledged version' }).catch((err: Error) => err);
      assert.deepEqual([...seen], [], 'no node served the version of the failed overwrite');
      assert.equal(converged, true, converged instanceof Error ? converged.message : '');
      // A few more anti-entropy rounds: the failed version does not come back from anywhere.
      const until = Date.now() + 5_000;
      await waitFor(async () => (await check()) && Date.now() > until, { timeoutMs: 15_000, description: 'the acknowledged version to stay' });
      assert.deepEqual([...seen], [], 'no node served the version of the failed overwrite later');
    }));
});
