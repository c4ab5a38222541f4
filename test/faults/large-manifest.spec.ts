/**
 * A file of more than 20,000 chunks (made with --chunk-size 256, so it is 5 MiB, not 20 GiB):
 * its manifest's chunk list is 1.3 MB of JSON, over the 1 MiB body limit, so it travels in
 * segments: to the holders at commit, from a holder to a coordinator that does not hold it,
 * and from the coordinator to the CLI. Before segmenting, the commit failed after the whole
 * upload (and a get of such a file could not even fetch its manifest).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, waitForMesh } from '../helpers/node-harness';

const CHUNK = 256;
const CHUNKS = 20_480;

describe('a manifest of 20,000 chunks', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('is stored, replicated and read back through every node', async () => {
    const args = ['--replicas', '2', '--chunk-size', String(CHUNK)];
    const nodes = await harness.chain(3, { args });
    await waitForMesh(nodes);
    const dir = harness.dir('large-manifest');
    const file = path.join(dir, 'in.bin');
    // Zeros: 20,480 entries in the chunk list, one chunk file on each holder.
    const data = Buffer.alloc(CHUNK * CHUNKS);
    fs.writeFileSync(file, data);
    const stored = await runCli(['store', 'big', file, '--bootstrap', nodes[0].p2p], { timeoutMs: 240_000 });
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, /20480 chunk/);
    const want = createHash('sha256').update(data).digest('hex');
    for (const node of nodes) {
      const out = path.join(dir, `out-${node.name}.bin`);
      const got = await runCli(['get', 'big', '--bootstrap', node.p2p, '--out', out], { timeoutMs: 240_000 });
      assert.equal(got.code, 0, `${node.name}: ${got.stderr}`);
      assert.equal(createHash('sha256').update(fs.readFileSync(out)).digest('hex'), want, node.name);
    }
  });
});
