/**
 * install.sh as a new user meets it: as a non-root user it stops at once with what to do, and a
 * dry run prints every step it would take (and nothing else), changing nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli-runner';

const NOBODY = 65534;
const script = path.join(PROJECT_ROOT, 'install.sh');

function install(args: string[], env: NodeJS.ProcessEnv, uid?: number) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-install-home-'));
  fs.chmodSync(home, 0o777);
  try {
    return spawnSync('bash', [script, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: home, REBUILD: '0', P2P_USER: 'tester', ...env },
      ...(uid === undefined ? {} : { uid, gid: NOBODY }),
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

describe('install.sh', () => {
  it('as a non-root user: one clear error before anything is done', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to start a process as another user');
    for (const args of [[], ['--dry-run']]) {
      const r = install(args, {}, NOBODY);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^error: cannot write \/opt\/p2p-storage[^\n]*: run as root \(sudo \.\/install\.sh\) or set PREFIX and DESTDIR to folders you can write\n$/);
      assert.doesNotMatch(r.stdout, /^\+ /m, 'no step was run');
    }
  });

  it('--dry-run prints every step, with no error, and says nothing was changed', () => {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-install-stage-'));
    try {
      const r = install(['--dry-run'], { DESTDIR: stage });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stderr, '');
      for (const step of [/^\+ mkdir -p /m, /^\+ cp -r dist /m, /^\+ cd \S+\/opt\/p2p-storage && npm prune --omit=dev/m, /^\+ ln -sf /m, /^\+ install -m 0644 systemd\/p2p-storage@\.service /m, /^\+ write \S+\/etc\/p2p-storage\/tester\.env$/m]) {
        assert.match(r.stdout, step);
      }
      assert.doesNotMatch(r.stdout, /installed/);
      assert.match(r.stdout, /^dry run: nothing was changed/m);
      assert.deepEqual(fs.readdirSync(stage), []);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  });
});
