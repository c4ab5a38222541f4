/**
 * Deletes keep the write quorum of their key's placed holders, as stores do, and a tombstone
 * that only a node off the key's placement holds still reaches the placed holders.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { placeKey } from '../../src/storage/placement';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const seesDead = (node: TestNode, count: number) =>
  waitFor(async () => {
    const peers = (await (await fetch(`http://${node.http}/v1/peers`)).json()) as Array<{ status: string }>;
    return peers.filter((p) => p.status === 'dead').length === count;
  }, { description: `${node.name} to see ${count} member(s) dead` });

describe('deletes and the write quorum', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('refuses a delete that fewer placed holders than the quorum can take (exit 5), and the file stays', async () => {
    const nodes = await harness.chain(3, { args: ['--replicas', '3'] });
    await waitForMesh(nodes);
    const [a, b, c] = nodes;
    const file = path.join(harness.dir('del-quorum'), 'f.txt');
    fs.writeFileSync(file, 'still here');
    assert.equal((await runCli(['store', 'k', file, '--bootstrap', a.p2p])).code, 0);
    await b.kill();
    await c.kill();
    await seesDead(a, 2);
    const refused = await runCli(['delete', 'k', '--bootstrap', a.p2p]);
    assert.equal(refused.code, 5, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /write quorum not reached for the delete of "k": 1 of 2 required holders confirmed; nothing was deleted/);
    assert.equal((await runCli(['get', 'k', '--bootstrap', a.p2p])).stdout, 'still here');
  });

  it('gives a tombstone held only by a node off the placement to the placed holders', async () => {
    const args = ['--replicas', '2', '--write-quorum', '1'];
    const first = await harness.start({ name: 'n0', args });
    const rest = [await harness.start({ name: 'n1', bootstrap: [first.p2p], args }), await harness.start({ name: 'n2', bootstrap: [first.p2p], args })];
    const nodes = [first, ...rest];
    await waitForMesh(nodes);
    // A key placed on two nodes, so the third coordinates its delete without holding it.
    const key = Array.from({ length: 200 }, (_, i) => `key-${i}`).find((k) => !placeKey(k, nodes.map((n) => n.nodeId), 2).includes(first.nodeId))!;
    const [h1, h2] = rest;
    const file = path.join(harness.dir('del-offplace'), 'f.txt');
    fs.writeFileSync(file, 'deleted while its holders were away');
    assert.equal((await runCli(['store', key, file, '--bootstrap', first.p2p])).code, 0);
    // h2 is away during the delete, h1 takes it and goes away before h2 is back: only the
    // coordinator, which is not placed on the key, can give h2 the tombstone.
    const h2Port = Number(h2.p2p.split(':')[1]);
    await h2.kill();
    await seesDead(first, 1);
    const deleted = await runCli(['delete', key, '--bootstrap', first.p2p]);
    assert.equal(deleted.code, 0, deleted.stderr);
    await h1.kill();
    const back = await harness.start({ name: 'n2-back', dir: h2.dir, listen: `127.0.0.1:${h2Port}`, args });
    const held = async () => (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', back.dbPath])).some((f) => f.key === key);
    await waitFor(async () => !(await held()), { timeoutMs: 20_000, description: 'the returning holder to drop its copy' });
    assert.equal((await runCli(['get', key, '--bootstrap', back.p2p])).code, 3);
  });
});
