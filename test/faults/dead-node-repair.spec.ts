/**
 * A holder that dies is declared dead; once --repair-grace has passed, its files are copied
 * to the next holders in placement order, so every file is back to --replicas copies.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeClient } from '../../src/cli/node-client';
import { placeKey } from '../../src/storage/placement';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const FILES = 30;

describe('a dead holder after --repair-grace', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('has its files re-replicated to the next holders', async () => {
    const grace = ['--repair-grace', '2s'];
    const nodes: TestNode[] = [await harness.start({ name: 'n0', args: grace })];
    for (let i = 1; i < 4; i++) nodes.push(await harness.start({ name: `n${i}`, args: grace, bootstrap: [nodes[0].p2p] }));
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
    await victim.kill();
    const survivors = nodes.slice(0, 3);
    // With 3 survivors and 3 replicas, every file must end up on all of them.
    await waitFor(async () => {
      for (const n of survivors) {
        const keys = (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', n.dbPath])).map((f) => f.key);
        if (keys.length !== FILES) return false;
      }
      return true;
    }, { timeoutMs: 45_000, intervalMs: 500, description: 'every survivor to hold every file' });
    const report = await cliJson<{ nodes: Array<{ placed: boolean; state: string }> }>(['inspect', lost[0], '--bootstrap', nodes[0].p2p]);
    assert.equal(report.nodes.filter((n) => n.placed && n.state === 'verified').length, 3);
    const get = await runCli(['get', lost[0], '--bootstrap', nodes[1].p2p]);
    assert.equal(get.stdout, `file ${lost[0].slice(1)}`);
  });
});
