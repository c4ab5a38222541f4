/**
 * restic backs up to the cluster through S3 (minio-go underneath: ranged reads, multipart for
 * large packs): init, backup of a few hundred files, check --read-data, restore, and the
 * restored tree equals the original.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3Cluster, makeBackupTree, readTree, run, startS3Cluster } from '../helpers/s3-cluster';

describe('restic against the S3 endpoint', () => {
  let c: S3Cluster;

  before(async () => {
    c = await startS3Cluster('restic');
  });
  after(() => c.harness.stopAll());

  it('initialises a repository, backs up, checks every byte and restores an equal tree', async () => {
    const env = { ...c.env, RESTIC_PASSWORD: 'restic-test-password', RESTIC_CACHE_DIR: path.join(c.dir, 'restic-cache') };
    const repo = `s3:${c.nodes[0].s3}/restic-repo`;
    const restic = async (...args: string[]) => {
      const r = await run('restic', ['-r', repo, ...args], env, { timeoutMs: 300_000 });
      assert.equal(r.code, 0, `restic ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const src = path.join(c.dir, 'data');
    makeBackupTree(src, 300);
    await restic('init');
    await restic('backup', '--host', 'test', src);
    await restic('check', '--read-data');
    const target = path.join(c.dir, 'restored');
    await restic('restore', 'latest', '--target', target);
    assert.deepEqual(readTree(path.join(target, src)), readTree(src));
  });
});
