/**
 * Where `get` writes: a directory as --out is refused before anything is downloaded; a node
 * lost in the middle of a download (read through it, --via-node) leaves a .part that --resume
 * finishes through another node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, CliResult, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const MiB = 1024 * 1024;

describe('get --out', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let b: TestNode;
  let dir: string;
  let bytes: Buffer;

  before(async () => {
    [a, b] = await harness.chain(2);
    await waitForMesh([a, b]);
    dir = harness.dir('get-out');
    bytes = crypto.randomBytes(64 * MiB + 5);
    fs.writeFileSync(path.join(dir, 'in.bin'), bytes);
    const stored = await runCli(['store', 'big', path.join(dir, 'in.bin'), '--bootstrap', a.p2p]);
    assert.equal(stored.code, 0, stored.stderr);
  });
  after(() => harness.stopAll());

  it('a directory as --out is refused before anything is downloaded, exit 2', async () => {
    const target = harness.dir('get-into-dir');
    const r = await runCli(['get', 'big', '--bootstrap', a.p2p, '--out', target]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: --out "[^"]+" is a directory; give a file name, e.g. --out [^\n]+\n$/);
    assert.deepEqual(fs.readdirSync(target), []);
    assert.equal(fs.existsSync(`${target}.part`), false);
    const missing = await runCli(['get', 'big', '--bootstrap', a.p2p, '--out', path.join(target, 'no', 'such', 'f')]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^error: --out "[^"]+": folder "[^"]+no\/such" does not exist\n$/);
  });

  it('a reader that stops early (| head) ends get quietly, as git does; a full disk is one line', async () => {
    const child = spawn(BIN, ['get', 'big', '--bootstrap', a.p2p], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    assert.equal(await exited, 141, stderr);
    assert.equal(stderr, '');

    const full = fs.openSync('/dev/full', 'w');
    try {
      const r = spawn(BIN, ['get', 'big', '--bootstrap', a.p2p], { stdio: ['ignore', full, 'pipe'] });
      let err = '';
      r.stderr!.on('data', (d) => (err += d));
      const code = await new Promise<number | null>((resolve) => r.once('exit', resolve));
      assert.equal(code, 1, err);
      assert.match(err, /^error: cannot write to standard output: no space left on device\n$/);
    } finally {
      fs.closeSync(full);
    }
  });

  it('a node killed mid-download: one line, exit 4, the .part kept for --resume through another node', async () => {
    const out = path.join(dir, 'out.bin');
    // Through that node only: read straight from the holders, the get would finish from the other one.
    const child = spawn(BIN, ['get', 'big', '--bootstrap', b.p2p, '--out', out, '--via-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // Freeze the node as soon as some bytes arrived, so that the download is surely unfinished, then kill it.
      await waitFor(() => fs.existsSync(`${out}.part`) && fs.statSync(`${out}.part`).size > 0, { intervalMs: 5, description: 'the download to begin' });
      b.process.kill('SIGSTOP');
      const partial = fs.statSync(`${out}.part`).size;
      assert.ok(partial < bytes.length, 'the download is unfinished when the node stops');
      await b.kill();
      const code = await exited;
      assert.equal(code, 4, stderr);
      assert.match(stderr, /^error: [^\n]+\n$/);
      assert.match(stderr, /cannot reach/);
      assert.ok(stderr.includes(`${out}.part`), stderr);
      assert.match(stderr, /--resume/);
    } finally {
      child.kill('SIGKILL');
    }
    assert.ok(fs.existsSync(`${out}.part`), 'the .part is kept');
    assert.equal(fs.existsSync(out), false);
    const resumed: CliResult = await runCli(['get', 'big', '--bootstrap', a.p2p, '--out', out, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(fs.readFileSync(out).equals(bytes));
    assert.equal(fs.existsSync(`${out}.part`), false);
  });
});
