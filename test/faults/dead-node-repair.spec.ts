/**
 * A holder that dies is declared dead; once --repair-grace has passed, its files are copied
 * to the next holders in placement order, so every file is back to --replicas copies. A holder
 * that leaves gracefully is not a dead one: its files are copied at once, without the grace.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeClient } from '../../src/cli/node-client';
import { placeKey } from '../../src/storage/placement';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const FILES = 30;

/** Four nodes holding FILES files at --replicas 3; returns them and the keys the last one holds. */
async function clusterWithFiles(harness: NodeHarness, args: string[]): Promise<{ nodes: TestNode[]; victim: TestNode; lost: string[] }> {
  const nodes: TestNode[] = [await harness.start({ name: 'n0', args })];
  for (let i = 1; i < 4; i++) nodes.push(await harness.start({ name: `n${i}`, args, bootstrap: [nodes[0].p2p] }));
  await waitForMesh(nodes);
  const client = NodeClient.fromOptions({ bootstrap: nodes[0].p2p });
  try {
    for (let i = 0; i < FILES; i++) await client.store(`f${i}`, (async function* () { yield Buffer.from(`file ${i}`); })());
  } finally {
    client.close();
  }
  const victim = nodes[3];
  const lost = [...Array(FILES).keys()].map((i) => `f${i}`).filter((k) => placeKey(k, nodes.map((n) => n.nodeId), 3).includes(victim.nodeId));
  assert.ok(lost.length > 0, 'the victim held some files');
  return { nodes, victim, lost };
}

/** With 3 survivors and 3 replicas, every file must end up on all of them. */
async function untilSurvivorsHoldEverything(survivors: TestNode[], timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    for (const n of survivors) {
      const keys = (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', n.dbPath])).map((f) => f.key);
      if (keys.length !== FILES) return false;
    }
    return true;
  }, { timeoutMs, intervalMs: 500, description: 'every survivor to hold every file' });
}

describe('a holder that goes away', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('dead: after --repair-grace its files are re-replicated to the next holders', async () => {
    const { nodes, victim, lost } = await clusterWithFiles(harness, ['--repair-grace', '2s']);
    await victim.kill();
    await untilSurvivorsHoldEverything(nodes.slice(0, 3), 45_000);
    const report = await cliJson<{ nodes: Array<{ placed: boolean; state: string }> }>(['inspect', lost[0], '--bootstrap', nodes[0].p2p]);
    assert.equal(report.nodes.filter((n) => n.placed && n.state === 'verified').length, 3);
    const get = await runCli(['get', lost[0], '--bootstrap', nodes[1].p2p]);
    assert.equal(get.stdout, `file ${lost[0].slice(1)}`);
    await harness.stopAll();
  });

  it('left: its files are re-replicated at once, not after --repair-grace', async () => {
    const grace = 60_000;
    const { nodes, victim } = await clusterWithFiles(harness, ['--repair-grace', `${grace / 1000}s`]);
    assert.equal(await victim.stop('SIGTERM'), 0);
    // Well inside the grace: only a member that counts as gone at once gets here in time.
    await untilSurvivorsHoldEverything(nodes.slice(0, 3), grace / 2);
  });
});
