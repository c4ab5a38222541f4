/**
 * Presigned URLs in the older form, AWS Signature Version 2 in the query string
 * (`AWSAccessKeyId`, `Expires`, `Signature`): what boto3 and botocore's generate_presigned_url
 * still produce by default for a custom endpoint. Only the query form is accepted; header
 * authentication must be Version 4. The signature is HMAC-SHA1 over the method, Content-MD5,
 * Content-Type, the expiry, the x-amz-* headers and the resource as sent, compared in constant
 * time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../s3.errors';
import { AccessKeyStore } from './access-keys';

/** Query parameters that are part of the signed resource, as Version 2 defines them. */
const SUBRESOURCES = new Set([
  'acl', 'delete', 'lifecycle', 'location', 'logging', 'notification', 'partNumber', 'policy', 'requestPayment', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires',
  'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
]);

export interface V2Request {
  method: string;
  rawPath: string;
  query: Array<[string, string]>;
  headers: Map<string, string[]>;
}

export function isV2Presigned(query: Array<[string, string]>): boolean {
  return query.some(([n]) => n === 'AWSAccessKeyId') && query.some(([n]) => n === 'Signature');
}

export function verifyV2Presigned(keys: AccessKeyStore, req: V2Request, now: number): { accessKeyId: string } {
  const q = new Map(req.query);
  const accessKeyId = q.get('AWSAccessKeyId')!;
  const expires = q.get('Expires') ?? '';
  if (!/^\d{1,12}$/.test(expires)) throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  const secret = keys.secretFor(accessKeyId);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records');
  const first = (name: string) => (req.headers.get(name) ?? []).join(',');
  const amz = [...req.headers.keys()]
    .filter((n) => n.startsWith('x-amz-'))
    .sort()
    .map((n) => `${n}:${(req.headers.get(n) ?? []).map((v) => v.trim()).join(',')}\n`)
    .join('');
  const sub = req.query
    .filter(([n]) => SUBRESOURCES.has(n))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([n, v]) => (v === '' ? n : `${n}=${v}`));
  const resource = req.rawPath + (sub.length ? `?${sub.join('&')}` : '');
  const toSign = `${req.method}\n${first('content-md5')}\n${first('content-type')}\n${expires}\n${amz}${resource}`;
  const expected = createHmac('sha1', secret).update(toSign, 'utf8').digest();
  const given = Buffer.from(q.get('Signature') ?? '', 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  if (now > Number(expires) * 1000) throw new S3Error('AccessDenied', 'Request has expired');
  return { accessKeyId };
}
