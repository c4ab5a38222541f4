/**
 * A node joins a 3-node cluster holding 200 files: placement is restored (each key on the 3
 * nodes rendezvous hashing picks among 4) and no file ever has fewer than 3 holders.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeClient } from '../../src/cli/node-client';
import { placeKey } from '../../src/storage/placement';
import { cliJson } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const FILES = 200;

async function holdings(nodes: TestNode[]): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  for (const node of nodes) {
    for (const f of await cliJson<Array<{ key: string }>>(['files', 'list', '--db', node.dbPath])) byKey.set(f.key, [...(byKey.get(f.key) ?? []), node.nodeId]);
  }
  return byKey;
}

describe('a node joining a cluster with 200 files', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('receives the keys placement gives it; old holders drop theirs only after it confirms', async () => {
    const nodes = await harness.chain(3);
    await waitForMesh(nodes);
    const client = NodeClient.fromOptions({ bootstrap: nodes[0].p2p });
    try {
      for (let i = 0; i < FILES; i++) await client.store(`file-${i}`, (async function* () { yield Buffer.from(`content ${i}`); })());
    } finally {
      client.close();
    }
    const joined = await harness.start({ name: 'joiner', bootstrap: [nodes[2].p2p] });
    const all = [...nodes, joined];
    const ids = all.map((n) => n.nodeId);
    let minHolders = Infinity;
    await waitFor(async () => {
      const h = await holdings(all);
      for (let i = 0; i < FILES; i++) minHolders = Math.min(minHolders, h.get(`file-${i}`)?.length ?? 0);
      return [...Array(FILES).keys()].every((i) => {
        const key = `file-${i}`;
        return (h.get(key) ?? []).sort().join() === placeKey(key, ids, 3).sort().join();
      });
    }, { timeoutMs: 60_000, intervalMs: 500, description: 'placement over 4 nodes to be restored' });
    assert.ok(minHolders >= 3, `no file ever had fewer than 3 holders (min seen ${minHolders})`);
    const mine = (await cliJson<unknown[]>(['files', 'list', '--db', joined.dbPath])).length;
    assert.ok(mine > FILES / 2, `the new node holds ${mine} files`);
  });
});
