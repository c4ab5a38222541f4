/**
 * The read consistency docs/design.md promises ("S3 read consistency"), through different
 * nodes of a 3-node cluster: a read after an acknowledged write or delete sees it at once;
 * after DeleteBucket, a node that saw the bucket a moment ago may still take it for existing
 * for up to 2 s, but finds no object in it, lists nothing, and takes no write into it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException,
} from '@aws-sdk/client-s3';
import { s3Failure, sdkCluster } from '../helpers/s3-sdk';

const failure = s3Failure;

describe('S3 read consistency across nodes', () => {
  const B = 'consistency';
  const t = sdkCluster('s3-read-consistency', B);

  it('a GET through another node right after an acknowledged PUT, overwrite or delete sees it', async () => {
    for (let round = 0; round < 10; round++) {
      const writer = t.s3[round % 3];
      const body = crypto.randomBytes(1000 + round);
      await writer.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: body }));
      for (const reader of t.s3) {
        const got = await reader.send(new GetObjectCommand({ Bucket: B, Key: 'k' }));
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), `round ${round}: a reader saw an older version`);
      }
    }
    await t.s3[1].send(new DeleteObjectCommand({ Bucket: B, Key: 'k' }));
    for (const reader of t.s3) assert.deepEqual(await failure(reader.send(new GetObjectCommand({ Bucket: B, Key: 'k' }))), { name: 'NoSuchKey', status: 404 });
  });

  it('after DeleteBucket through another node: no object, no listing, no write; HeadBucket says so at once', async () => {
    const D = 'consistency-gone';
    await t.s3[0].send(new CreateBucketCommand({ Bucket: D }));
    await t.s3[0].send(new PutObjectCommand({ Bucket: D, Key: 'old', Body: 'old' }));
    // Node 0 has just seen the bucket (its answer is kept for a moment).
    assert.equal(await (await t.s3[0].send(new GetObjectCommand({ Bucket: D, Key: 'old' }))).Body!.transformToString(), 'old');
    await t.s3[1].send(new DeleteObjectCommand({ Bucket: D, Key: 'old' }));
    await t.s3[2].send(new DeleteBucketCommand({ Bucket: D }));
    assert.equal((await failure(t.s3[0].send(new HeadBucketCommand({ Bucket: D })))).status, 404);
    const get = await failure(t.s3[0].send(new GetObjectCommand({ Bucket: D, Key: 'old' })));
    assert.ok(get.name === 'NoSuchBucket' || get.name === 'NoSuchKey', get.name);
    try {
      const listed = await t.s3[0].send(new ListObjectsV2Command({ Bucket: D }));
      assert.equal(listed.KeyCount, 0);
    } catch (err) {
      assert.ok(err instanceof S3ServiceException && err.name === 'NoSuchBucket', String(err));
    }
    assert.deepEqual(await failure(t.s3[0].send(new PutObjectCommand({ Bucket: D, Key: 'new', Body: 'new' }))), { name: 'NoSuchBucket', status: 404 });
    const res = await fetch(`http://${t.c.nodes[1].http}/v1/files/${encodeURIComponent(`s3/${D}/new`)}`);
    await res.arrayBuffer();
    assert.equal(res.status, 404, 'the refused PUT left its file in the cluster');
  });
});
