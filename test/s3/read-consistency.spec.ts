/**
 * The read consistency docs/design.md promises ("S3 read consistency"), through different
 * nodes of a 3-node cluster: a read after an acknowledged write or delete sees it at once;
 * after DeleteBucket, a node that saw the bucket a moment ago may still take it for existing
 * for up to 2 s, but finds no object in it, lists nothing, and takes no write into it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { S3Cluster, startS3Cluster } from '../helpers/s3-cluster';
import { s3Client, s3Failure } from '../helpers/s3-sdk';

const client = (endpoint: string) => s3Client(endpoint);
const failure = s3Failure;

describe('S3 read consistency across nodes', () => {
  let c: S3Cluster;
  let s3: S3Client[];
  const B = 'consistency';

  before(async () => {
    c = await startS3Cluster('s3-read-consistency');
    s3 = c.nodes.map((n) => client(n.s3));
    await s3[0].send(new CreateBucketCommand({ Bucket: B }));
  });
  after(async () => {
    s3?.forEach((x) => x.destroy());
    await c.harness.stopAll();
  });

  it('a GET through another node right after an acknowledged PUT, overwrite or delete sees it', async () => {
    for (let round = 0; round < 10; round++) {
      const writer = s3[round % 3];
      const body = crypto.randomBytes(1000 + round);
      await writer.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: body }));
      for (const reader of s3) {
        const got = await reader.send(new GetObjectCommand({ Bucket: B, Key: 'k' }));
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), `round ${round}: a reader saw an older version`);
      }
    }
    await s3[1].send(new DeleteObjectCommand({ Bucket: B, Key: 'k' }));
    for (const reader of s3) assert.deepEqual(await failure(reader.send(new GetObjectCommand({ Bucket: B, Key: 'k' }))), { name: 'NoSuchKey', status: 404 });
  });

  it('after DeleteBucket through another node: no object, no listing, no write; HeadBucket says so at once', async () => {
    const D = 'consistency-gone';
    await s3[0].send(new CreateBucketCommand({ Bucket: D }));
    await s3[0].send(new PutObjectCommand({ Bucket: D, Key: 'old', Body: 'old' }));
    // Node 0 has just seen the bucket (its answer is kept for a moment).
    assert.equal(await (await s3[0].send(new GetObjectCommand({ Bucket: D, Key: 'old' }))).Body!.transformToString(), 'old');
    await s3[1].send(new DeleteObjectCommand({ Bucket: D, Key: 'old' }));
    await s3[2].send(new DeleteBucketCommand({ Bucket: D }));
    assert.equal((await failure(s3[0].send(new HeadBucketCommand({ Bucket: D })))).status, 404);
    const get = await failure(s3[0].send(new GetObjectCommand({ Bucket: D, Key: 'old' })));
    assert.ok(get.name === 'NoSuchBucket' || get.name === 'NoSuchKey', get.name);
    try {
      const listed = await s3[0].send(new ListObjectsV2Command({ Bucket: D }));
      assert.equal(listed.KeyCount, 0);
    } catch (err) {
      assert.ok(err instanceof S3ServiceException && err.name === 'NoSuchBucket', String(err));
    }
    assert.deepEqual(await failure(s3[0].send(new PutObjectCommand({ Bucket: D, Key: 'new', Body: 'new' }))), { name: 'NoSuchBucket', status: 404 });
    const res = await fetch(`http://${c.nodes[1].http}/v1/files/${encodeURIComponent(`s3/${D}/new`)}`);
    await res.arrayBuffer();
    assert.equal(res.status, 404, 'the refused PUT left its file in the cluster');
  });
});
