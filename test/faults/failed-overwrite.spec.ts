/**
 * An overwrite the client is told failed, while holders keep its version:
 *   - one holder took the commit and was killed before the coordinator's rollback could reach
 *     it, another was frozen with the commit queued on its socket;
 *   - (iptables) two holders took the version and were cut off from the coordinator before
 *     the rollback, and the version spread between them while they were cut off.
 * When they are back, the failed version must never be served anywhere (in the partition
 * case: from the moment the abort reached them), and every node must hold and serve the last
 * acknowledged version again.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { NodeClient } from '../../src/cli/node-client';
import { FaultCluster } from '../helpers/fault-cluster';
import { requireNetFaults } from '../helpers/net-faults';
import { allHold, heldVersion } from '../helpers/node-db';
import { TestNode, logsOnFailure, waitForMesh } from '../helpers/node-harness';
import { testCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

const CHUNK = 4096;
const KEY = 'photo.jpg';
const ARGS = ['--replicas', '3', '--write-quorum', '3', '--chunk-size', String(CHUNK)];

/** What a GET of KEY through `node` returns: the body, or the HTTP status when it is not 200. */
async function served(node: TestNode): Promise<Buffer | number> {
  const res = await fetch(`http://${node.http}/v1/files/${KEY}`);
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : res.status;
}

/** Stores the first version through `client` and waits until every node holds it. */
async function storeFirst(client: NodeClient, nodes: TestNode[]): Promise<{ body: Buffer; version: string }> {
  const body = crypto.randomBytes(CHUNK);
  const { version } = await client.store(KEY, (async function* () { yield body; })());
  await waitFor(() => allHold(nodes, KEY, version), { description: 'every node to hold the first version' });
  return { body, version };
}

/**
 * Starts an overwrite whose one chunk reaches every holder; `beforeCommit` runs once the chunk
 * is acknowledged, just before the client commits. Resolves to what the client was told.
 */
function overwrite(client: NodeClient, body: Buffer, beforeCommit: () => void): Promise<string> {
  let chunkAcked!: () => void;
  const acked = new Promise<void>((resolve) => (chunkAcked = resolve));
  const source = async function* () {
    yield body;
    await acked;
    beforeCommit();
  };
  return client.store(KEY, source(), (bytes) => bytes === CHUNK && chunkAcked()).then(() => 'acknowledged', (err: Error) => err.message);
}

/** Waits until `node` holds a version other than `version`. */
const untilReplaced = (node: TestNode, version: string, timeoutMs = 9_000) =>
  waitFor(async () => { const v = await heldVersion(node, KEY); return v !== null && v !== version; }, { timeoutMs, description: `${node.name} to take the new version` });

/**
 * Every node serves and holds the acknowledged version, and keeps doing so for a few more
 * anti-entropy rounds; no node served the failed body at any time while this watched.
 */
async function assertConverged(nodes: TestNode[], acknowledged: { body: Buffer; version: string }, failedBody: Buffer): Promise<void> {
  const seen = new Set<string>();
  const check = async () => {
    for (const node of nodes) {
      const got = await served(node);
      if (Buffer.isBuffer(got) && got.equals(failedBody)) seen.add(node.name);
      else if (!(Buffer.isBuffer(got) && got.equals(acknowledged.body))) return false;
    }
    return allHold(nodes, KEY, acknowledged.version);
  };
  const converged = await waitFor(check, { timeoutMs: 60_000, intervalMs: 250, description: 'every node to serve and hold the acknowledged version' }).catch((err: Error) => err);
  assert.deepEqual([...seen], [], 'no node served the version of the failed overwrite');
  assert.equal(converged, true, converged instanceof Error ? converged.message : '');
  const until = Date.now() + 5_000;
  await waitFor(async () => (await check()) && Date.now() > until, { timeoutMs: 15_000, description: 'the acknowledged version to stay' });
  assert.deepEqual([...seen], [], 'no node served the version of the failed overwrite later');
}

describe('an overwrite that failed while a killed and a frozen holder kept its version', () => {
  const { harness, mesh, client } = testCluster();
  let nodes: TestNode[] = [];

  it('never serves the failed version; every node serves the last acknowledged one', () =>
    logsOnFailure(() => nodes, async () => {
      nodes = await mesh(3, { args: ARGS });
      const [coordinator, killed, frozen] = nodes;
      const first = await storeFirst(client(coordinator, '60s'), nodes);

      // `frozen` stops once the chunk is everywhere, so its commit waits on the socket and the
      // coordinator waits the request deadline for it; meanwhile `killed` commits and dies.
      const failedBody = crypto.randomBytes(CHUNK);
      const told = overwrite(client(coordinator, '60s'), failedBody, () => frozen.process.kill('SIGSTOP'));
      try {
        await untilReplaced(killed, first.version);
        await killed.kill();
        assert.match(await told, /write quorum not reached/, 'the client is told the overwrite failed');
      } finally {
        frozen.process.kill('SIGCONT');
      }

      // Both come back: the frozen one finds the queued commit, the killed one restarts holding it.
      nodes[1] = await harness.start({ name: 'node1', dir: killed.dir, listen: killed.p2p, bootstrap: [coordinator.p2p], args: ARGS });
      await waitForMesh(nodes);
      await assertConverged(nodes, first, failedBody);
    }));
});

describe('an overwrite that failed while partitioned holders kept and spread its version (root, iptables)', requireNetFaults(), () => {
  const cluster = new FaultCluster();
  const clients: NodeClient[] = [];
  after(async () => {
    clients.forEach((c) => c.close());
    await cluster.close();
  });
  const client = (node: TestNode) => {
    const c = NodeClient.fromOptions({ bootstrap: node.p2p, timeout: '60s' });
    clients.push(c);
    return c;
  };

  it('never serves the failed version after the heal; every node serves the last acknowledged one', () =>
    cluster.logsOnFailure(async () => {
      const nodes = await cluster.start(3, { args: ARGS });
      const [coordinator, cut, late] = nodes;
      const first = await storeFirst(client(coordinator), nodes);

      // `late` is cut off from the coordinator before the commit: the coordinator waits the
      // request deadline for it. `cut` commits, then is cut off too, before the rollback.
      const failedBody = crypto.randomBytes(CHUNK);
      const told = overwrite(client(coordinator), failedBody, () => cluster.partition([0], [2]));
      await untilReplaced(cut, first.version);
      cluster.partition([0], [1]);
      assert.match(await told, /write quorum not reached/, 'the client is told the overwrite failed');
      // On their side of the partition the failed version spreads from `cut` to `late`.
      await untilReplaced(late, first.version, 30_000);

      // Right after the heal the two may still take the coordinator for dead and, asking only
      // each other, serve the version they hold (documented: a node cut off from every node
      // that knows the abort). Once the abort has reached them, it must never come back.
      cluster.heal();
      await waitFor(() => allHold(nodes, KEY, first.version), { timeoutMs: 60_000, description: 'the abort to reach both and the first version to be back' });
      await assertConverged(nodes, first, failedBody);
    }));
});
