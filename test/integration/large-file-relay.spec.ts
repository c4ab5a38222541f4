/**
 * Many chunks through every hop of the data path: a 40 MiB file stored through a holder and
 * read back, at the same time by two clients, through the node that holds no copy. Each hop
 * reuses its chunk receive buffers (transport/codec/frame-buffers.ts), so this is where a buffer
 * given back too early would show up as wrong bytes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, waitForMesh } from '../helpers/node-harness';
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
      runCli(['get', 'relayed', '--bootstrap', outsider.p2p], { timeoutMs: 120_000 }),
    ]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex'), expected);
    assert.equal(crypto.createHash('sha256').update(toStdout.stdoutBytes).digest('hex'), expected);
  });
});
