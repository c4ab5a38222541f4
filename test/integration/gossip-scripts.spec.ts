import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli-runner';
import { removeDir, tmpDir } from '../helpers/tmp-dir';

describe('the README scripts', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));

  it('setup_local_nodes.sh creates the three node folders, idempotently', () => {
    const dir = tmpDir('setup');
    dirs.push(dir);
    fs.copyFileSync(path.join(PROJECT_ROOT, 'setup_local_nodes.sh'), path.join(dir, 'setup_local_nodes.sh'));
    for (let run = 0; run < 2; run++) {
      const r = spawnSync('bash', [path.join(dir, 'setup_local_nodes.sh')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    for (const n of ['node_3000', 'node_4000', 'node_5000']) assert.ok(fs.statSync(path.join(dir, n)).isDirectory());
  });

  it('test_peer_gossip.sh passes on free ports', async () => {
    // Three ports 1000 apart must be free: probe a base until base, +1000, +2000 all bind.
    let base = 0;
    for (let i = 0; i < 20 && !base; i++) {
      const candidate = 20000 + Math.floor(Math.random() * 9000);
      const ok = await Promise.all([0, 1000, 2000].map((d) => portFree(candidate + d)));
      if (ok.every(Boolean)) base = candidate;
    }
    assert.ok(base, 'found free ports');
    const r = spawnSync('bash', [path.join(PROJECT_ROOT, 'test_peer_gossip.sh')], {
      encoding: 'utf8',
      env: { ...process.env, P2P_TEST_BASE_PORT: String(base) },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS: node C discovered A through B/);
  });
});

async function portFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
