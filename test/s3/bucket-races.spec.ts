/**
 * A write racing DeleteBucket: a PUT that passed the bucket check (its `100 Continue` came)
 * while another node deletes the then empty bucket must not leave its object behind in a
 * bucket that no longer exists (nor in a bucket of the same name created again later).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3_KEY_ID, S3_SECRET, S3Cluster, startS3Cluster } from '../helpers/s3-cluster';
import { signS3 } from '../helpers/s3-sign';
import { s3Client } from '../helpers/s3-sdk';

const client = (endpoint: string) => s3Client(endpoint);

/** A PUT whose body is held back until `release` is called, after the server said 100 Continue. */
function heldPut(endpoint: string, bucket: string, key: string, body: Buffer) {
  const url = new URL(`${endpoint}/${bucket}/${key}`);
  const req = http.request(url, { method: 'PUT', headers: { ...signS3(S3_KEY_ID, S3_SECRET, 'PUT', url.host, url.pathname), 'content-length': String(body.length), expect: '100-continue' } });
  const continued = new Promise<void>((resolve, reject) => {
    req.once('continue', resolve);
    req.once('error', reject);
  });
  const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  return { continued, release: () => req.end(body), reply };
}

async function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
    throw err;
  }
}

async function nativeStatus(httpAddress: string, clusterKey: string): Promise<number> {
  const res = await fetch(`http://${httpAddress}/v1/files/${encodeURIComponent(clusterKey)}`);
  await res.arrayBuffer();
  return res.status;
}

describe('S3 writes racing DeleteBucket', () => {
  let c: S3Cluster;
  let s3: S3Client[];

  before(async () => {
    c = await startS3Cluster('s3-bucket-races');
    s3 = c.nodes.map((n) => client(n.s3));
  });
  after(async () => {
    s3?.forEach((x) => x.destroy());
    await c.harness.stopAll();
  });

  it('a PUT that passed the bucket check before DeleteBucket on another node leaves no object in the deleted bucket', async () => {
    const B = 'race-put';
    await s3[0].send(new CreateBucketCommand({ Bucket: B }));
    const put = heldPut(c.nodes[0].s3, B, 'late.bin', crypto.randomBytes(64 * 1024));
    await put.continued;
    // The bucket is empty as far as anyone can see: the delete through node 1 goes ahead.
    const deleted = await statusOf(s3[1].send(new DeleteBucketCommand({ Bucket: B })));
    put.release();
    const reply = await put.reply;
    if (deleted === 204 || deleted === 200) {
      // The bucket is gone: the PUT must not have been acknowledged, nor left its object.
      assert.notEqual(reply.status, 200, `the PUT was acknowledged into a deleted bucket: ${reply.body}`);
      assert.match(reply.body, /NoSuchBucket|OperationAborted/);
    } else {
      assert.equal(deleted, 409, 'DeleteBucket either succeeds or finds the bucket not empty');
      assert.equal(reply.status, 200);
    }
    const gone = deleted === 204 || deleted === 200;
    for (const n of c.nodes) assert.equal(await nativeStatus(n.http, `s3/${B}/late.bin`), gone ? 404 : 200, `the object's file on ${n.name}`);
    if (gone) {
      // A bucket of the same name created again starts empty.
      await s3[2].send(new CreateBucketCommand({ Bucket: B }));
      const listed = await s3[0].send(new ListObjectsV2Command({ Bucket: B }));
      assert.equal(listed.KeyCount, 0, `objects left from before the delete: ${JSON.stringify(listed.Contents?.map((o) => o.Key))}`);
    }
  });

  it('a PUT acknowledged before DeleteBucket makes the delete fail with BucketNotEmpty', async () => {
    const B = 'race-first';
    await s3[0].send(new CreateBucketCommand({ Bucket: B }));
    await s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'first', Body: 'x' }));
    assert.equal(await statusOf(s3[1].send(new DeleteBucketCommand({ Bucket: B }))), 409);
    assert.equal((await s3[2].send(new ListObjectsV2Command({ Bucket: B }))).KeyCount, 1);
  });
});
