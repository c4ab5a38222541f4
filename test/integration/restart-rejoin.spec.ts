import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliJson } from '../helpers/cli-runner';
import { NodeHarness, TestNode, freePort } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

interface PeerJson {
  nodeId: string;
  status: string;
}

const aliveIds = async (node: TestNode) => (await cliJson<PeerJson[]>(['peers', '--db', node.dbPath])).filter((p) => p.status === 'alive').map((p) => p.nodeId);

describe('restart and rejoin', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('a node restarted without --bootstrap rejoins through its stored peers, with the same node id', async () => {
    const [a, b] = await harness.chain(2);
    const port = await freePort();
    const dir = harness.dir('rejoin');
    const c1 = await harness.start({ name: 'c', dir, listen: `127.0.0.1:${port}`, bootstrap: [b.p2p] });
    await waitFor(async () => (await aliveIds(c1)).length === 2, { description: 'C to know A and B' });
    assert.equal(await c1.stop('SIGTERM'), 0, 'SIGTERM exits cleanly');
    await waitFor(async () => !(await aliveIds(a)).includes(c1.nodeId), { description: 'A to see C leave' });

    const c2 = await harness.start({ name: 'c-again', dir, listen: `127.0.0.1:${port}` });
    assert.equal(c2.nodeId, c1.nodeId, 'the node id is kept in the database');
    await waitFor(async () => (await aliveIds(a)).includes(c2.nodeId) && (await aliveIds(b)).includes(c2.nodeId), {
      description: 'A and B to list C alive again',
    });
    await waitFor(async () => (await aliveIds(c2)).sort().join() === [a.nodeId, b.nodeId].sort().join(), { description: 'C to list A and B' });
  });

  it('a node whose bootstrap peer starts later keeps retrying and joins (parallel start)', async () => {
    const port = await freePort();
    const early = await harness.start({ name: 'early', bootstrap: [`127.0.0.1:${port}`] });
    const late = await harness.start({ name: 'late', listen: `127.0.0.1:${port}` });
    await waitFor(async () => (await aliveIds(early)).includes(late.nodeId), { description: 'the early node to join the late one' });
    await waitFor(async () => (await fetch(`http://${early.http}/readyz`)).status === 200, { description: 'the early node to be ready' });
  });
});
