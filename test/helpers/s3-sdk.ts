/**
 * The AWS SDK for JavaScript as the S3 tests use it: a path-style client, a failure's S3 code,
 * and a cluster with one client per node.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3_KEY_ID, S3_SECRET, S3Cluster, startS3Cluster } from './s3-cluster';

/** A client of one node's S3 endpoint that does not retry (a test wants the first answer). */
export function s3Client(endpoint: string, secret = S3_SECRET, id = S3_KEY_ID): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
}

/** The S3 error code and HTTP status a request fails with; fails the test if it succeeds. */
export async function s3Failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  assert.fail('the request succeeded');
}

export interface SdkCluster {
  c: S3Cluster;
  /** One client per node, in node order. */
  s3: S3Client[];
}

/**
 * Call inside a describe block: before its tests, a 3-node S3 cluster (startS3Cluster) with one
 * client per node and `bucket` created through node 0; after them, the clients closed and the
 * nodes stopped. The fields are set once the block's tests run.
 */
export function sdkCluster(name: string, bucket: string): SdkCluster {
  const t = {} as SdkCluster;
  before(async () => {
    t.c = await startS3Cluster(name);
    t.s3 = t.c.nodes.map((n) => s3Client(n.s3));
    await t.s3[0].send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    t.s3?.forEach((x) => x.destroy());
    await t.c?.harness.stopAll();
  });
  return t;
}
