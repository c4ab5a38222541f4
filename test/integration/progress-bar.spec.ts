/**
 * store and get show a progress bar on a terminal and print nothing extra when piped. The
 * terminal is a real pseudo-terminal made by util-linux `script`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';

const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

describe('progress bar', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('appears on a terminal and never when piped', async (t) => {
    if (!hasScript) return t.skip('util-linux `script` is not installed');
    const [a] = await harness.chain(1);
    const dir = harness.dir('progress');
    const file = path.join(dir, 'in.bin');
    fs.writeFileSync(file, crypto.randomBytes(3 * 1024 * 1024));

    const tty = spawnSync('script', ['-qec', `${BIN} store onatty ${file} --bootstrap ${a.p2p}`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(tty.status, 0, tty.stdout + tty.stderr);
    assert.match(tty.stdout, /store onatty \[[█░]+\]/, 'the bar is drawn on the terminal');
    assert.match(tty.stdout, /Stored "onatty"/);

    const piped = await runCli(['store', 'piped', file, '--bootstrap', a.p2p]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'nothing on stderr when piped');
    assert.doesNotMatch(piped.stdout, /█|░/);
    const get = await runCli(['get', 'piped', '--bootstrap', a.p2p, '--out', path.join(dir, 'out.bin')]);
    assert.equal(get.stderr, '');
  });
});
