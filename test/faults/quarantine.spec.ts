/**
 * A node away for longer than --tombstone-ttl starts quarantined: not ready, serving nothing,
 * until it reconciled with every member. A file deleted while it was away does not come back
 * through it: the tombstone outlives the ttl until every placed holder has it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, freePort } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const keysOf = async (db: string) => (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', db])).map((f) => f.key).sort();

describe('quarantine after an absence longer than --tombstone-ttl', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('keeps the node unready until reconciled, and deleted files stay deleted', async () => {
    // A write quorum of 1: the delete is taken by A alone while B is away.
    const ttl = ['--tombstone-ttl', '2s', '--write-quorum', '1'];
    const a = await harness.start({ name: 'a', args: ttl });
    const port = await freePort();
    const dir = harness.dir('away-long');
    const b = await harness.start({ name: 'b', dir, listen: `127.0.0.1:${port}`, bootstrap: [a.p2p], args: ttl });
    const file = path.join(harness.dir('q-files'), 'f.txt');
    fs.writeFileSync(file, 'x');
    for (const key of ['kept', 'deleted-while-away']) assert.equal((await runCli(['store', key, file, '--bootstrap', a.p2p])).code, 0);
    await waitFor(async () => (await keysOf(b.dbPath)).length === 2, { description: 'B to hold both files' });

    await b.kill();
    const deleted = await runCli(['delete', 'deleted-while-away', '--bootstrap', a.p2p]);
    assert.equal(deleted.code, 0, deleted.stderr + a.logs());
    const deletedAt = Date.now();
    const tombstoneAt = async (node: typeof a) => {
      const r = await cliJson<{ nodes: Array<{ nodeId: string; detail: string }> }>(['inspect', 'deleted-while-away', '--bootstrap', a.p2p]);
      return r.nodes.some((n) => n.nodeId === node.nodeId && /tombstone/.test(n.detail));
    };
    // Past the ttl, A keeps the tombstone: B, a placed holder, has not got it yet.
    await waitFor(() => Date.now() - deletedAt > 3000, { timeoutMs: 10_000, description: 'the ttl to pass' });
    assert.ok(await tombstoneAt(a), 'A keeps the tombstone while a placed holder is away');
    assert.deepEqual(await keysOf(a.dbPath), ['kept']);

    const back = await harness.start({ name: 'b-back', dir, listen: `127.0.0.1:${port}`, args: ttl });
    assert.match(back.logs(), /quarantined until reconciled/);
    await waitFor(async () => (await fetch(`http://${back.http}/readyz`)).status === 200, { timeoutMs: 20_000, description: 'B to reconcile and become ready' });
    assert.match(back.logs(), /quarantine lifted/);
    assert.deepEqual(await keysOf(back.dbPath), ['kept']);
    assert.deepEqual(await keysOf(a.dbPath), ['kept']);
    for (const node of [a, back]) assert.equal((await runCli(['get', 'deleted-while-away', '--bootstrap', node.p2p])).code, 3);
    // Once every placed holder has it, the expired tombstone is forgotten everywhere.
    await waitFor(async () => !(await tombstoneAt(a)) && !(await tombstoneAt(back)), { timeoutMs: 15_000, description: 'the expired tombstone to be dropped on both nodes' });
  });
});
