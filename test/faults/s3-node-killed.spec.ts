/**
 * A holder killed in the middle of S3 work: a multipart upload (the AWS SDK with its default
 * retries) and a restic backup. The client talks to a node that stays up; the write quorum
 * (2 of 3) is still reachable, so the client's retries succeed and nothing it was told is
 * stored is lost: the object reads back equal, and the backup checks and restores equal.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListPartsCommand, ListObjectsV2Command, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3_KEY_ID, S3_SECRET, S3Cluster, makeBackupTree, readTree, run, startS3Cluster } from '../helpers/s3-cluster';
import { waitFor } from '../helpers/wait-for';

const MiB = 1024 * 1024;

function client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET }, maxAttempts: 5 });
}

describe('S3 with a node killed mid-operation', () => {
  let c: S3Cluster;

  // A fresh cluster for each case: each kills one of its three nodes.
  beforeEach(async () => {
    c = await startS3Cluster('s3-kill', 3);
  });
  afterEach(() => c.harness.stopAll());

  it('a multipart upload survives a holder killed between and during parts', async () => {
    const s3 = client(c.nodes[0].s3);
    const reader = client(c.nodes[1].s3);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
      const parts = [crypto.randomBytes(6 * MiB), crypto.randomBytes(6 * MiB), crypto.randomBytes(6 * MiB), crypto.randomBytes(MiB + 3)];
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'big.bin' }));
      const etags: string[] = [];
      etags.push((await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, PartNumber: 1, Body: parts[0] }))).ETag!);
      // The kill lands while part 2 is on its way.
      const second = s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, PartNumber: 2, Body: parts[1] }));
      await c.nodes[2].kill();
      etags.push((await second).ETag!);
      for (let i = 2; i < parts.length; i++) {
        etags.push((await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, PartNumber: i + 1, Body: parts[i] }))).ETag!);
      }
      const listed = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId }));
      assert.deepEqual(listed.Parts?.map((p) => [p.PartNumber, p.ETag]), etags.map((e, i) => [i + 1, e]));
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
      assert.match(done.ETag ?? '', /-4"$/);
      const got = await reader.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big.bin' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts)), 'the object reads back equal from another node');
    } finally {
      s3.destroy();
      reader.destroy();
    }
  });

  it('a restic backup survives a holder killed while it runs, and restores equal', async () => {
    const env = { ...c.env, RESTIC_PASSWORD: 'restic-kill-test', RESTIC_CACHE_DIR: path.join(c.dir, 'restic-cache') };
    const repo = `s3:${c.nodes[0].s3}/restic-kill`;
    const init = await run('restic', ['-r', repo, 'init'], env);
    assert.equal(init.code, 0, init.stderr);
    const src = path.join(c.dir, 'data');
    makeBackupTree(src, 300);
    const lister = client(c.nodes[1].s3);
    try {
      let stderr = '';
      const backup = spawn('restic', ['-r', repo, 'backup', '--host', 'test', src], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      backup.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => backup.once('exit', resolve));
      // Kill once the backup has written some data packs.
      await waitFor(async () => ((await lister.send(new ListObjectsV2Command({ Bucket: 'restic-kill', Prefix: 'data/' }))).KeyCount ?? 0) >= 2, { timeoutMs: 120_000, intervalMs: 100, description: 'restic to write data packs' });
      await c.nodes[2].kill();
      assert.equal(await exited, 0, `restic backup: ${stderr}`);
      const check = await run('restic', ['-r', repo, 'check', '--read-data'], env, { timeoutMs: 300_000 });
      assert.equal(check.code, 0, check.stderr);
      const target = path.join(c.dir, 'restored');
      const restore = await run('restic', ['-r', repo, 'restore', 'latest', '--target', target], env, { timeoutMs: 300_000 });
      assert.equal(restore.code, 0, restore.stderr);
      assert.deepEqual(readTree(path.join(target, src)), readTree(src));
    } finally {
      lister.destroy();
    }
  });
});
