/**
 * `--db`: every unusable path is one line naming the path and the reason, within a second,
 * exit 2; read-only commands never create a database.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliResult, runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';

const NOBODY = 65534;

function assertDbError(r: CliResult, db: string, reason: RegExp): void {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^error: [^\n]+\n$/, r.stderr);
  assert.ok(r.stderr.includes(db), `names ${db}: ${r.stderr}`);
  assert.match(r.stderr, reason);
}

describe('--db paths', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('serve with an unusable --db: one line, exit 2, within a second', async () => {
    const dir = harness.dir('db-bad');
    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, 'x');
    const cases: Array<[string, RegExp]> = [
      ['/proc/sub/p2p.db', /cannot create folder "\/proc\/sub"/],
      ['/proc/p2p.db', /cannot open/],
      [path.join(file, 'p2p.db'), /is not a folder/],
      [dir, /is a folder/],
    ];
    for (const [db, reason] of cases) {
      // The deadline is the CLI's own start-up (about 0.3 s) plus failing at once, not after retries.
      const r = await runCli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--http', 'off'], { timeoutMs: 10_000 });
      assertDbError(r, db, reason);
      assert.ok(r.ms < 3000, `${db}: failed after ${r.ms} ms`);
    }
  });

  it('a folder the user may not write is a permission error, exit 2', async () => {
    const dir = harness.dir('db-perm');
    fs.chmodSync(dir, 0o755);
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o555 });
    const db = path.join(locked, 'sub', 'p2p.db');
    const r = await runCli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--http', 'off'], { cwd: dir, uid: NOBODY, env: { HOME: dir } });
    assertDbError(r, path.join(locked, 'sub'), /permission denied/);
    const direct = path.join(locked, 'p2p.db');
    assertDbError(await runCli(['serve', '--db', direct, '--listen', '127.0.0.1:0', '--http', 'off'], { cwd: dir, uid: NOBODY, env: { HOME: dir } }), locked, /permission denied/);
  });

  it('read-only commands never create a database; a missing one names the path tried', async () => {
    const dir = harness.dir('db-missing');
    const db = path.join(dir, 'typo', 'p2p.db');
    for (const args of [['peers'], ['files', 'list'], ['shares'], ['cleanup']]) {
      const r = await runCli([...args, '--db', db], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^error: no database at "[^"]+typo\/p2p\.db"[^\n]*\n$/);
      assert.equal(fs.existsSync(path.join(dir, 'typo')), false, `${args.join(' ')} created nothing`);
    }
    // A bare `p2p peers` tries ./p2p.db, says so, and leaves the folder as it was.
    const bare = await runCli(['peers'], { cwd: dir, env: { P2P_DB: '' } });
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /no database at "[^"]*p2p\.db"/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('a missing database next to a compose file says where the nodes keep theirs', async () => {
    const dir = harness.dir('db-compose');
    fs.copyFileSync(path.join(__dirname, '..', '..', '..', 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
    const r = await runCli(['peers'], { cwd: dir, env: { P2P_DB: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: no database at [^\n]*docker compose exec node1 \.\/bin\/p2p peers[^\n]*\n$/);
  });

  it('serve creates missing folders of --db, never "out of memory"', async () => {
    const dir = harness.dir('db-deep');
    const node = await harness.start({ dir: path.join(dir, 'deep', 'er', 'node_3000') });
    assert.ok(fs.existsSync(node.dbPath));
    const r = await runCli(['peers', '--db', node.dbPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /out of memory/);
  });
});
