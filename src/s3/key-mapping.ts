/**
 * How S3 names map onto cluster keys (and back): S3 is a client of the store, and what it
 * stores are ordinary files under these keys (replicated, repaired, shown by `p2p inspect`):
 *
 *   object  <key> in <bucket>      s3/<bucket>/<key>
 *   bucket  <bucket>               s3.buckets/<bucket>         (empty file, metadata only)
 *   upload  <id> into <bucket>     s3.uploads/<bucket>/<id>    (empty file, metadata only)
 *   part    <n> of upload <id>     s3.parts/<id>/<n, 5 digits>
 *
 * Bucket names never contain "/", so the mapping is one-to-one. A cluster key holds at most
 * 1024 bytes, so an object key may hold 1020 minus the bucket name's length in bytes
 * (KeyTooLongError above that; S3's own limit is 1024). Keys with control characters are
 * refused, as the store refuses them.
 */
import { MAX_KEY_BYTES } from '../storage/key';
import { S3Error } from './s3.errors';

export const OBJECT_ROOT = 's3/';
export const BUCKET_ROOT = 's3.buckets/';
export const UPLOAD_ROOT = 's3.uploads/';
export const PART_ROOT = 's3.parts/';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkBucketName(name: string): string {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new S3Error('InvalidBucketName', `The specified bucket is not valid: "${name.slice(0, 80)}"`);
  }
  return name;
}

export const objectPrefix = (bucket: string) => `${OBJECT_ROOT}${bucket}/`;
export const bucketKey = (bucket: string) => `${BUCKET_ROOT}${bucket}`;
export const uploadPrefix = (bucket: string) => `${UPLOAD_ROOT}${bucket}/`;
export const uploadKey = (bucket: string, uploadId: string) => `${uploadPrefix(bucket)}${uploadId}`;
export const partPrefix = (uploadId: string) => `${PART_ROOT}${uploadId}/`;
export const partKey = (uploadId: string, part: number) => `${partPrefix(uploadId)}${String(part).padStart(5, '0')}`;

export function objectKey(bucket: string, key: string): string {
  if (key.length === 0) throw new S3Error('InvalidArgument', 'An object key must not be empty');
  const clusterKey = objectPrefix(bucket) + key;
  const bytes = Buffer.byteLength(clusterKey, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', `Your key is too long: in bucket "${bucket}" a key may hold ${MAX_KEY_BYTES - objectPrefix(bucket).length} bytes`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key)) throw new S3Error('InvalidArgument', 'Object keys with control characters are not supported');
  return clusterKey;
}

/** The S3 key of a cluster key listed under `objectPrefix(bucket)`. */
export function s3KeyOf(bucket: string, clusterKey: string): string {
  return clusterKey.slice(objectPrefix(bucket).length);
}
