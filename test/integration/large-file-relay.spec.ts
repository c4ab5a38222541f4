/**
 * Many chunks through every hop of the data path: a 40 MiB file stored through a holder and
 * read back, at the same time by two clients, through the node that holds no copy: one reading
 * straight from the holders, one relayed by that node (--via-node). Each hop reuses its chunk
 * receive buffers (transport/codec/frame-buffers.ts), so this is where a buffer given back too
 * early would show up as wrong bytes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { metricSum } from '../helpers/node-metrics';
import { waitFor } from '../helpers/wait-for';
import { placeKey } from '../../src/storage/placement';

const MiB = 1024 * 1024;

describe('a large file through a node that holds no copy', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('arrives intact at two concurrent readers, to a file and to stdout', async () => {
    const nodes = await harness.chain(4, { args: ['--replicas', '3'] });
    await waitForMesh(nodes);
    const dir = harness.dir('relay');
    const file = path.join(dir, 'in.bin');
    const fd = fs.openSync(file, 'w');
    const hash = crypto.createHash('sha256');
    for (let i = 0; i < 40; i++) {
      const block = crypto.randomBytes(MiB); // every chunk distinct: nothing is deduplicated
      hash.update(block);
      fs.writeSync(fd, block);
    }
    fs.closeSync(fd);
    const expected = hash.digest('hex');

    const holders = placeKey('relayed', nodes.map((n) => n.nodeId), 3);
    const entry = nodes.find((n) => holders.includes(n.nodeId))!;
    const outsider = nodes.find((n) => !holders.includes(n.nodeId))!;
    const store = await runCli(['store', 'relayed', file, '--bootstrap', entry.p2p], { timeoutMs: 120_000 });
    assert.equal(store.code, 0, store.stderr);

    const out = path.join(dir, 'out.bin');
    const [toFile, toStdout] = await Promise.all([
      runCli(['get', 'relayed', '--bootstrap', outsider.p2p, '--out', out], { timeoutMs: 120_000 }),
      runCli(['get', 'relayed', '--bootstrap', outsider.p2p, '--via-node'], { timeoutMs: 120_000 }),
    ]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex'), expected);
    assert.equal(crypto.createHash('sha256').update(toStdout.stdoutBytes).digest('hex'), expected);
    // The relayed reader's 40 chunks crossed the node: it asked the holders for them.
    assert.ok((await chunkRequestsSent(outsider)) >= 40);
  });

  it('reads chunks straight from the holders: the node it asked relays none', async () => {
    const nodes = await harness.chain(4, { args: ['--replicas', '3'] });
    await waitForMesh(nodes);
    const dir = harness.dir('direct');
    const file = path.join(dir, 'in.bin');
    fs.writeFileSync(file, crypto.randomBytes(12 * MiB));
    const holders = placeKey('direct', nodes.map((n) => n.nodeId), 3);
    const outsider = nodes.find((n) => !holders.includes(n.nodeId))!;
    const store = await runCli(['store', 'direct', file, '--bootstrap', outsider.p2p], { timeoutMs: 120_000 });
    assert.equal(store.code, 0, store.stderr);
    const before = await chunkRequestsSent(outsider);
    const out = path.join(dir, 'out.bin');
    const get = await runCli(['get', 'direct', '--bootstrap', outsider.p2p, '--out', out], { timeoutMs: 120_000 });
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual(fs.readFileSync(out), fs.readFileSync(file));
    assert.equal(await chunkRequestsSent(outsider), before, 'the node that holds no copy fetched chunks for the get');
    // Each holder served some of the 12 chunks.
    for (const n of nodes.filter((x) => holders.includes(x.nodeId))) assert.ok((await clientChunksServed(n)) > 0, `holder ${n.name} served no chunk`);
  });

  it('a holder killed mid-download straight from the holders: the get finishes from the others', async () => {
    const nodes = await harness.chain(3, { args: ['--replicas', '3'] });
    await waitForMesh(nodes);
    const dir = harness.dir('holder-lost');
    const file = path.join(dir, 'in.bin');
    fs.writeFileSync(file, crypto.randomBytes(48 * MiB));
    const store = await runCli(['store', 'lost', file, '--bootstrap', nodes[0].p2p], { timeoutMs: 120_000 });
    assert.equal(store.code, 0, store.stderr);
    const out = path.join(dir, 'out.bin');
    const get = runCli(['get', 'lost', '--bootstrap', nodes[0].p2p, '--out', out], { timeoutMs: 120_000 });
    await waitFor(() => fs.existsSync(`${out}.part`) && fs.statSync(`${out}.part`).size > 0, { intervalMs: 5, description: 'the download to begin' });
    await nodes[2].kill();
    const r = await get;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(out), fs.readFileSync(file));
  });
});

/** storage.chunk.get requests a node sent to holders (it relayed or repaired that many chunks). */
async function chunkRequestsSent(node: TestNode): Promise<number> {
  return metricSum(node, 'p2p_messages_total', (l) => l.includes('type="storage.chunk.get"') && l.includes('direction="out"'));
}

/** client.get.chunk answers a node sent (chunks it served to clients). */
async function clientChunksServed(node: TestNode): Promise<number> {
  return metricSum(node, 'p2p_messages_total', (l) => l.includes('type="client.get.chunk"') && l.includes('direction="out"'));
}
