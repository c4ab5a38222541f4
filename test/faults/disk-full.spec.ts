/**
 * A full disk: a node whose data folder is a 3 MiB tmpfs (mounted by this test, always
 * unmounted) takes a small file, then a store that does not fit fails with DISK_FULL (exit 9),
 * leaves no temp or chunk file of the failed store behind, and the node keeps serving reads.
 * Needs root (mount); skipped otherwise.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';

const root = process.getuid?.() === 0;

function chunkFiles(blobs: string): string[] {
  return fs.readdirSync(blobs).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => fs.readdirSync(path.join(blobs, d)));
}

describe('a full disk', { skip: root ? false : 'needs root to mount a tmpfs' }, () => {
  const harness = new NodeHarness();
  const mount = harness.dir('disk-full');
  let mounted = false;
  after(async () => {
    // Unmounted first (lazily: the node may still hold files there), so that stopAll can remove
    // the mount point's folder and every folder after it, instead of failing on a busy mount.
    if (mounted) execFileSync('umount', ['-l', mount]);
    await harness.stopAll().catch(() => undefined);
  });

  it('fails a store that does not fit with DISK_FULL, leaves nothing of it, and keeps serving reads', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount]);
    mounted = true;
    const a = await harness.start({ name: 'a', dir: mount, args: ['--replicas', '1'] });
    const files = harness.dir('disk-full-files');
    fs.writeFileSync(path.join(files, 'small'), 'small and kept');
    assert.equal((await runCli(['store', 'small', path.join(files, 'small'), '--bootstrap', a.p2p])).code, 0);
    const before = chunkFiles(path.join(mount, 'blobs'));

    fs.writeFileSync(path.join(files, 'big'), Buffer.alloc(6 * 1024 * 1024, 1).map((_, i) => i % 251));
    const big = await runCli(['store', 'big', path.join(files, 'big'), '--bootstrap', a.p2p]);
    assert.equal(big.code, 9, big.stderr);
    assert.match(big.stderr, /^error: .*(disk|space)/im);
    assert.deepEqual(fs.readdirSync(path.join(mount, 'blobs', 'tmp')), [], 'no temp file left');
    assert.deepEqual(chunkFiles(path.join(mount, 'blobs')).sort(), before.sort(), 'no chunk of the failed store left');

    const got = await runCli(['get', 'small', '--bootstrap', a.p2p]);
    assert.equal(got.stdout, 'small and kept');
    assert.equal((await fetch(`http://${a.http}/readyz`)).status, 200);
  });
});
