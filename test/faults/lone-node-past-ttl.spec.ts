/**
 * Quarantine never deletes on absence: a lone node restarted after --tombstone-ttl has nobody
 * to reconcile with, and becomes ready at once with its files (it used to stay quarantined,
 * not ready, forever). The whole-cluster case is cluster-down-past-ttl.spec.ts.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, freePort } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const TTL = ['--tombstone-ttl', '2s'];
const keysOf = async (db: string) => (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', db])).map((f) => f.key).sort();
const ready = async (node: TestNode) => (await fetch(`http://${node.http}/readyz`).catch(() => undefined))?.status === 200;

describe('a lone node down for longer than --tombstone-ttl', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('lets a lone node restarted after the ttl become ready with its files', async () => {
    const port = await freePort();
    const dir = harness.dir('lone');
    const start = () => harness.start({ name: 'lone', dir, listen: `127.0.0.1:${port}`, args: TTL });
    const lone = await start();
    const file = path.join(harness.dir('lone-files'), 'f.txt');
    fs.writeFileSync(file, 'only copy');
    assert.equal((await runCli(['store', 'solo', file, '--bootstrap', lone.p2p])).code, 0);
    await lone.kill();
    const killedAt = Date.now();
    await waitFor(() => Date.now() - killedAt > 3000, { timeoutMs: 10_000, description: 'the ttl to pass' });

    const back = await start();
    assert.match(back.logs(), /quarantined until reconciled/);
    await waitFor(() => ready(back), { timeoutMs: 10_000, description: 'the lone node to become ready' });
    assert.deepEqual(await keysOf(back.dbPath), ['solo']);
    assert.equal((await runCli(['get', 'solo', '--bootstrap', back.p2p])).stdout, 'only copy');
  });
});
