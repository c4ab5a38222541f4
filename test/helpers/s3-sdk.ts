/** The AWS SDK for JavaScript as the S3 tests use it: a path-style client, and a failure's S3 code. */
import assert from 'node:assert/strict';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3_KEY_ID, S3_SECRET } from './s3-cluster';

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
