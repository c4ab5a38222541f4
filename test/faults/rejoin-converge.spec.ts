/**
 * A node that was away while files were stored and deleted converges by itself when it comes
 * back, and a deleted key never reappears through any node.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, freePort, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const keysOf = async (db: string) => (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', db])).map((f) => f.key).sort();

describe('a node that was away', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('converges after it comes back, and deleted keys stay deleted everywhere', async () => {
    const [a, b] = await harness.chain(2);
    const port = await freePort();
    const dir = harness.dir('away');
    const c = await harness.start({ name: 'c', dir, listen: `127.0.0.1:${port}`, bootstrap: [b.p2p] });
    const work = harness.dir('away-files');
    const put = async (key: string, via: string) => {
      const f = path.join(work, key);
      fs.writeFileSync(f, `content of ${key}`);
      const r = await runCli(['store', key, f, '--bootstrap', via]);
      assert.equal(r.code, 0, r.stderr);
    };
    await waitForMesh([a, b, c]);
    await put('kept', a.p2p);
    await put('doomed', a.p2p);
    await waitFor(async () => (await keysOf(c.dbPath)).join() === 'doomed,kept', { description: 'C to hold both files' });

    await c.kill();
    const del = await runCli(['delete', 'doomed', '--bootstrap', a.p2p]);
    assert.equal(del.code, 0, del.stderr);
    for (let i = 0; i < 5; i++) await put(`while-away-${i}`, b.p2p);

    const started = Date.now();
    const back = await harness.start({ name: 'c-back', dir, listen: `127.0.0.1:${port}` });
    const expected = ['kept', ...Array.from({ length: 5 }, (_, i) => `while-away-${i}`)].sort().join();
    await waitFor(async () => (await keysOf(back.dbPath)).join() === expected, { timeoutMs: 30_000, description: 'C to converge' });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 30, `converged in ${seconds} s`);

    for (const node of [a, b, back]) {
      assert.ok(!(await keysOf(node.dbPath)).includes('doomed'), `${node.name} does not list the deleted key`);
      const get = await runCli(['get', 'doomed', '--bootstrap', node.p2p]);
      assert.equal(get.code, 3, `get through ${node.name} says not found`);
    }
  });
});
