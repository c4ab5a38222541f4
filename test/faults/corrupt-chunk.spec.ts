/** A chunk damaged on disk is never served: the get still returns correct bytes and the chunk is restored. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

describe('a corrupt chunk on disk', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('is not served, the get returns correct bytes, and the chunk is repaired', async () => {
    const [a, b, c] = await harness.chain(3);
    await waitForMesh([a, b, c]);
    const bytes = crypto.randomBytes(3 * 1024 * 1024);
    const file = path.join(harness.dir('corrupt'), 'in.bin');
    fs.writeFileSync(file, bytes);
    assert.equal((await runCli(['store', 'precious', file, '--bootstrap', a.p2p])).code, 0);

    const [{ chunks }] = await cliJson<Array<{ chunks: number }>>(['files', 'list', '--db', a.dbPath]);
    assert.equal(chunks, 3);
    const manifest = (await fetch(`http://${a.http}/v1/files/precious/replicas`).then((r) => r.json())) as { nodes: Array<{ current: boolean }> };
    assert.equal(manifest.nodes.filter((n) => n.current).length, 3);

    // Damage every chunk file of node A.
    const blobs = path.join(a.dir, 'blobs');
    const chunkFiles = fs.readdirSync(blobs).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => fs.readdirSync(path.join(blobs, d)).map((f) => path.join(blobs, d, f)));
    assert.equal(chunkFiles.length, 3);
    for (const f of chunkFiles) fs.writeFileSync(f, 'garbage');

    const out = path.join(harness.dir('corrupt-out'), 'out.bin');
    const get = await runCli(['get', 'precious', '--bootstrap', a.p2p, '--out', out]);
    assert.equal(get.code, 0, get.stderr);
    assert.ok(fs.readFileSync(out).equals(bytes), 'bytes are correct');

    await waitFor(() => chunkFiles.every((f) => fs.existsSync(f) && crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex') === path.basename(f)), {
      description: 'the damaged chunks to be restored on A',
    });
    assert.ok(fs.readdirSync(path.join(blobs, 'corrupt')).length >= 1, 'damaged files were moved aside');
    void b;
    void c;
  });
});
