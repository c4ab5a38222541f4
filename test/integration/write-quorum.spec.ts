/**
 * `--write-quorum`: a store is acknowledged only when that many placed holders confirmed it.
 * One holder of three is made unable to write chunks while it stays a live member (its temp
 * folder replaced by a file); with a quorum of 3 the store fails with a clear error, exit 5,
 * and no node lists the file. Once the holder can write again, the same store is acknowledged
 * and says how many holders confirmed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { testCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

describe('--write-quorum', () => {
  const { harness, mesh } = testCluster();

  it('refuses a store below the quorum, leaving no file anywhere, and reports confirmations above it', async () => {
    const nodes = await mesh(3, { args: ['--replicas', '3', '--write-quorum', '3'] });
    const [a, b, c] = nodes;
    const file = path.join(harness.dir('quorum'), 'in.bin');
    fs.writeFileSync(file, crypto.randomBytes(3 * 1024 * 1024));

    const tmp = path.join(c.dir, 'blobs', 'tmp');
    fs.rmSync(tmp, { recursive: true });
    fs.writeFileSync(tmp, 'not a folder'); // c can no longer write a chunk
    const refused = await runCli(['store', 'q', file, '--bootstrap', a.p2p]);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /write quorum not reached for "q": 2 of 3 required holders confirmed; nothing was stored/);
    for (const node of nodes) {
      assert.deepEqual(await cliJson<unknown[]>(['files', 'list', '--db', node.dbPath]), [], `${node.name} lists no file`);
    }
    assert.equal((await runCli(['get', 'q', '--bootstrap', b.p2p])).code, 3, 'not found through any node');

    fs.rmSync(tmp);
    fs.mkdirSync(tmp);
    const stored = await runCli(['store', 'q', file, '--bootstrap', a.p2p]);
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, /3\/3 holders confirmed/);
  });
});

describe('--write-quorum with dead holders', () => {
  const { harness, mesh } = testCluster();

  it('counts a dead placed holder as a missing confirmation, not a smaller quorum', async () => {
    const nodes = await mesh(3, { args: ['--replicas', '3', '--write-quorum', '3'] });
    const [a, b, c] = nodes;
    const file = path.join(harness.dir('quorum-dead'), 'in.bin');
    fs.writeFileSync(file, crypto.randomBytes(64 * 1024));
    await b.kill();
    await c.kill();
    await waitFor(async () => {
      const peers = (await (await fetch(`http://${a.http}/v1/peers`)).json()) as Array<{ status: string }>;
      return peers.length === 2 && peers.every((p) => p.status === 'dead');
    }, { description: 'a to see both others dead' });

    const refused = await runCli(['store', 'q', file, '--bootstrap', a.p2p]);
    assert.equal(refused.code, 5, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /write quorum not reached for "q": 1 of 3 required holders confirmed; nothing was stored/);
    assert.deepEqual(await cliJson<unknown[]>(['files', 'list', '--db', a.dbPath]), [], 'a lists no file');
    const put = await fetch(`http://${a.http}/v1/files/q2`, { method: 'PUT', body: 'x' });
    assert.equal(put.status, 503);
    assert.deepEqual(await cliJson<unknown[]>(['files', 'list', '--db', a.dbPath]), [], 'a lists no file after the HTTP store either');
  });

  it('still stores on a node that has only ever been alone', async () => {
    const lone = await harness.start({ name: 'lone', args: ['--replicas', '3'] });
    const file = path.join(harness.dir('quorum-lone'), 'in.bin');
    fs.writeFileSync(file, 'alone');
    const stored = await runCli(['store', 'solo', file, '--bootstrap', lone.p2p]);
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, /1\/1 holders confirmed/);
  });
});
