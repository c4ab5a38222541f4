/**
 * `get` and terminals, with a real pseudo-terminal from util-linux `script`: binary data is not
 * dumped on a terminal unless asked for with `--out -` (as curl does), text is; a download to a
 * redirected stdout shows its progress bar on the terminal that stderr still is.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';

const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

/** Runs a shell command line on a pseudo-terminal; `output` is what the terminal showed. */
function onTerminal(commandLine: string): { status: number | null; output: string; bytes: number } {
  const r = spawnSync('script', ['-qec', commandLine, '/dev/null'], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: r.stdout.toString('utf8') + r.stderr.toString('utf8'), bytes: r.stdout.length };
}

describe('get on a terminal', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let dir: string;
  let bytes: Buffer;
  before(async () => {
    a = await harness.start({ name: 'a' });
    dir = harness.dir('get-tty');
    bytes = crypto.randomBytes(3 * 1024 * 1024);
    fs.writeFileSync(path.join(dir, 'in.bin'), bytes);
    fs.writeFileSync(path.join(dir, 'hello.txt'), 'Hello P2P Storage!\n');
    for (const [key, file] of [['bin', 'in.bin'], ['hello', 'hello.txt']]) {
      assert.equal((await runCli(['store', key, path.join(dir, file), '--bootstrap', a.p2p])).code, 0);
    }
  });
  after(() => harness.stopAll());

  it('refuses to write binary data to a terminal unless --out - asks for it', (t) => {
    if (!hasScript) return t.skip('util-linux `script` is not installed');
    const refused = onTerminal(`${BIN} get bin --bootstrap ${a.p2p}`);
    assert.equal(refused.status, 2, refused.output.slice(0, 2000));
    assert.match(refused.output, /^error: "bin" looks like binary data; not writing it to a terminal: use --out FILE, or --out - to write it here anyway\r?\n$/);
    const forced = onTerminal(`${BIN} get bin --bootstrap ${a.p2p} --out -`);
    assert.equal(forced.status, 0);
    assert.ok(forced.bytes >= bytes.length, 'the bytes were written');
  });

  it('writes text to a terminal', (t) => {
    if (!hasScript) return t.skip('util-linux `script` is not installed');
    const r = onTerminal(`${BIN} get hello --bootstrap ${a.p2p}`);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /^Hello P2P Storage!\r?\n$/);
  });

  it('shows the progress bar on stderr when stdout is redirected', (t) => {
    if (!hasScript) return t.skip('util-linux `script` is not installed');
    const out = path.join(dir, 'redirected.bin');
    const r = onTerminal(`${BIN} get bin --bootstrap ${a.p2p} > ${out}`);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /get bin \[[█░]+\]/, 'the bar is drawn on the terminal');
    assert.ok(fs.readFileSync(out).equals(bytes), 'stdout got exactly the file');
  });
});
