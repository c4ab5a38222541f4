/**
 * rclone (an s3 remote, provider Other, its defaults) and s3cmd against a 3-node cluster.
 * rclone 1.60 lists with ListObjects v1, sends Content-MD5 and UNSIGNED-PAYLOAD, and updates
 * modification times with CopyObject REPLACE; s3cmd deletes with DeleteObjects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { S3_KEY_ID, S3_SECRET, S3Cluster, makeBackupTree, readTree, run, startS3Cluster } from '../helpers/s3-cluster';

describe('rclone and s3cmd against the S3 endpoint', () => {
  let c: S3Cluster;

  before(async () => {
    c = await startS3Cluster('rclone-s3cmd');
  });
  after(() => c.harness.stopAll());

  it('rclone: mkdir, copy, sync, check, lsf, delete, rmdir', async () => {
    const env = {
      ...c.env,
      RCLONE_CONFIG: path.join(c.dir, 'rclone.conf'),
      RCLONE_CONFIG_P2P_TYPE: 's3',
      RCLONE_CONFIG_P2P_PROVIDER: 'Other',
      RCLONE_CONFIG_P2P_ACCESS_KEY_ID: S3_KEY_ID,
      RCLONE_CONFIG_P2P_SECRET_ACCESS_KEY: S3_SECRET,
      RCLONE_CONFIG_P2P_ENDPOINT: c.nodes[1].s3,
      RCLONE_CONFIG_P2P_REGION: 'us-east-1',
    };
    const rclone = async (...args: string[]) => {
      const r = await run('rclone', args, env, { timeoutMs: 180_000 });
      assert.equal(r.code, 0, `rclone ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const src = path.join(c.dir, 'rclone-src');
    makeBackupTree(src, 20);
    fs.writeFileSync(path.join(src, 'big.bin'), crypto.randomBytes(12 * 1024 * 1024));
    await rclone('mkdir', 'p2p:rclone');
    await rclone('copy', src, 'p2p:rclone/tree');
    await rclone('check', src, 'p2p:rclone/tree');
    fs.writeFileSync(path.join(src, 'dir0', 'sub0', 'f 0.bin'), 'changed');
    fs.rmSync(path.join(src, 'dir1', 'sub1', 'f 1.bin'));
    await rclone('sync', src, 'p2p:rclone/tree');
    await rclone('check', src, 'p2p:rclone/tree');
    const listed = (await rclone('lsf', '-R', '--files-only', 'p2p:rclone/tree')).trim().split('\n').sort();
    assert.deepEqual(listed, [...readTree(src).keys()].sort());
    const back = path.join(c.dir, 'rclone-back');
    await rclone('copy', 'p2p:rclone/tree', back);
    assert.deepEqual(readTree(back), readTree(src));
    await rclone('delete', 'p2p:rclone/tree');
    assert.equal((await rclone('lsf', '-R', 'p2p:rclone')).trim(), '');
    await rclone('rmdir', 'p2p:rclone');
    assert.doesNotMatch(await rclone('lsd', 'p2p:'), /rclone/);
  });

  it('s3cmd: mb, put, get, ls, del -r, sync --delete-removed', async () => {
    const host = c.nodes[2].s3.replace(/^http:\/\//, '');
    const cfg = path.join(c.dir, 's3cfg');
    fs.writeFileSync(cfg, [
      '[default]', `access_key = ${S3_KEY_ID}`, `secret_key = ${S3_SECRET}`, `host_base = ${host}`, `host_bucket = ${host}`,
      'use_https = False', 'signature_v2 = False', 'bucket_location = us-east-1', '',
    ].join('\n'));
    const s3cmd = async (...args: string[]) => {
      const r = await run('s3cmd', ['-c', cfg, ...args], c.env, { timeoutMs: 180_000 });
      assert.equal(r.code, 0, `s3cmd ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const file = path.join(c.dir, 's3cmd file.txt');
    fs.writeFileSync(file, 'from s3cmd\n');
    await s3cmd('mb', 's3://s3cmd');
    await s3cmd('put', file, 's3://s3cmd/one/file.txt');
    assert.match(await s3cmd('ls', 's3://s3cmd/one/'), /s3:\/\/s3cmd\/one\/file\.txt/);
    const got = path.join(c.dir, 's3cmd-got.txt');
    await s3cmd('get', 's3://s3cmd/one/file.txt', got);
    assert.equal(fs.readFileSync(got, 'utf8'), 'from s3cmd\n');
    const src = path.join(c.dir, 's3cmd-src');
    makeBackupTree(src, 12);
    await s3cmd('sync', `${src}/`, 's3://s3cmd/tree/');
    fs.rmSync(path.join(src, 'dir2', 'sub2', 'f 2.bin'));
    fs.writeFileSync(path.join(src, 'added.txt'), 'added');
    await s3cmd('sync', '--delete-removed', `${src}/`, 's3://s3cmd/tree/');
    const listed = (await s3cmd('ls', '-r', 's3://s3cmd/tree/')).trim().split('\n').map((l) => l.split('s3://s3cmd/tree/')[1]).sort();
    assert.deepEqual(listed, [...readTree(src).keys()].sort());
    await s3cmd('del', '-r', '--force', 's3://s3cmd/');
    assert.equal((await s3cmd('ls', '-r', 's3://s3cmd/')).trim(), '');
    await s3cmd('rb', 's3://s3cmd');
  });
});
