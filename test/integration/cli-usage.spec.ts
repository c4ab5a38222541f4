/**
 * Command lines that cannot mean anything are refused with exit 2 and a hint, as git and curl
 * do; nothing is accepted silently with exit 0. These need no running node.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { removeDir, tmpDir } from '../helpers/tmp-dir';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };

describe('CLI usage errors', () => {
  const dir = tmpDir('usage');
  after(() => removeDir(dir));

  it('an unknown subcommand is exit 2 with a hint', async () => {
    const r = await runCli(['files', 'lsit'], { cwd: dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^error: unknown command "files lsit"[^\n]*did you mean "files list"\?[^\n]*\n$/);
    assert.equal(r.stdout, '');
  });

  it('an unknown top-level command is exit 2', async () => {
    const r = await runCli(['lsit'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown command 'lsit'/);
  });

  it('a command without its subcommand, or with stray arguments, is exit 2', async () => {
    const files = await runCli(['files'], { cwd: dir });
    assert.equal(files.code, 2, files.stdout);
    assert.match(files.stderr, /Usage: p2p files/);
    const extra = await runCli(['peers', 'extra', '--db', path.join(dir, 'none.db')], { cwd: dir });
    assert.equal(extra.code, 2, extra.stdout);
    assert.match(extra.stderr, /^error: too many arguments for 'peers'/);
    const bare = await runCli([], { cwd: dir });
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /Usage: p2p/);
  });

  it('--resume without --out is exit 2 and says what is needed', async () => {
    const r = await runCli(['get', 'k', '--resume', '--bootstrap', '127.0.0.1:1'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: --resume needs --out FILE[^\n]*\n$/);
  });

  it('the README states the defaults serve --help states', async () => {
    const help = (await runCli(['serve', '--help'], { cwd: dir })).stdout.replace(/\s+/g, ' ');
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const flag of ['--tombstone-ttl', '--repair-grace', '--repair-bandwidth', '--replicas', '--db']) {
      const stated = new RegExp(`${flag} <[^>]+> [^(]*\\(default "?([^ ")=;]+)`).exec(help)?.[1];
      assert.ok(stated, `serve --help states a default for ${flag}`);
      const line = readme.split('\n').find((l) => new RegExp(`^\\s+${flag}\\b`).test(l));
      assert.ok(line, `the README lists ${flag}`);
      assert.ok(line.includes(`default ${stated}`) || line.includes(`default "${stated}"`), `README: ${line.trim()} (serve --help: default ${stated})`);
    }
  });

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), `p2p-storage ${pkg.version}`);
    }
  });
});
