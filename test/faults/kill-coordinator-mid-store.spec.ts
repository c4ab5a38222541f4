/** kill -9 of the node receiving a large store, mid-way: no node lists a partial file. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

describe('kill -9 of the receiving node in the middle of a large store', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('leaves no partial file on any node, and the client fails clearly', async () => {
    const [a, b, c] = await harness.chain(3);
    await waitForMesh([a, b, c]);
    const file = path.join(harness.dir('big'), 'big.bin');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < 64; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
    fs.closeSync(fd);

    const client = spawn(BIN, ['store', 'big', file, '--bootstrap', c.p2p], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    client.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => client.on('close', resolve));
    // Kill the coordinator once chunks are arriving on the other holders.
    const blobCount = (dir: string) => fs.readdirSync(path.join(dir, 'blobs')).filter((d) => /^[0-9a-f]{2}$/.test(d)).reduce((n, d) => n + fs.readdirSync(path.join(dir, 'blobs', d)).length, 0);
    await waitFor(() => blobCount(a.dir) >= 8, { timeoutMs: 30_000, intervalMs: 5, description: 'the store to be under way' });
    await c.kill();
    const code = await exited;
    assert.notEqual(code, 0, 'the client does not report success');
    assert.match(stderr, /^error: /m);

    for (const node of [a, b]) {
      assert.deepEqual(await cliJson<unknown[]>(['files', 'list', '--db', node.dbPath]), [], `${node.name} lists no partial file`);
      const get = await runCli(['get', 'big', '--bootstrap', node.p2p]);
      assert.equal(get.code, 3, `${node.name} answers not found`);
    }
  });
});
