/**
 * The member table stays bounded: a member dead or gone for longer than forgetAfterMs is
 * forgotten, in memory and in the database; and `p2p cleanup` run while the node is up sticks
 * (the node used to write every member it remembered back at its next full save or shutdown).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

async function listed(node: TestNode): Promise<string[]> {
  const peers = (await (await fetch(`http://${node.http}/v1/peers`)).json()) as Array<{ nodeId: string }>;
  return peers.map((p) => p.nodeId);
}

describe('forgetting members', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('forgets a dead member after forgetAfterMs, in memory and on disk', async () => {
    const a = await harness.start({ name: 'a', args: ['--gossip-override', 'forgetAfterMs=3s'] });
    const b = await harness.start({ name: 'b', bootstrap: [a.p2p] });
    await waitForMesh([a, b]);
    await b.kill();
    await waitFor(async () => !(await listed(a)).includes(b.nodeId) || undefined, { timeoutMs: 30_000, description: 'a forgets b' });
    await waitFor(async () => {
      const rows = await cliJson<Array<{ nodeId: string }>>(['peers', '--db', a.dbPath, '--json']);
      return !rows.some((r) => r.nodeId === b.nodeId) || undefined;
    }, { timeoutMs: 10_000, description: "b's row is removed" });
  });

  it('keeps a peer that cleanup removed while the node ran out of its database', async () => {
    const a = await harness.start({ name: 'c' });
    const b = await harness.start({ name: 'd', bootstrap: [a.p2p] });
    await waitForMesh([a, b]);
    await b.stop();
    await waitFor(async () => {
      const rows = await cliJson<Array<{ nodeId: string; status: string }>>(['peers', '--db', a.dbPath, '--json']);
      return rows.some((r) => r.nodeId === b.nodeId && r.status === 'left') || undefined;
    }, { timeoutMs: 20_000, description: 'b recorded as left' });
    const cleaned = await runCli(['cleanup', '--db', a.dbPath, '--older-than', '0s']);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.match(cleaned.stdout, /Removed 1 /);
    await a.stop(); // a graceful stop saves every member it still has
    const rows = await cliJson<Array<{ nodeId: string }>>(['peers', '--db', a.dbPath, '--json']);
    assert.deepEqual(rows.filter((r) => r.nodeId === b.nodeId), []);
  });
});
