/**
 * SigV4 headers for hand-made S3 requests (a test or a benchmark that needs control over the
 * body, which an SDK does not give): the payload is not signed, as rclone sends PUTs.
 */
import { canonicalRequest, deriveSigningKey, headerValues, hmac, stringToSign } from '../../src/s3/auth/canonical';

export function signS3(keyId: string, secret: string, method: string, host: string, rawPath: string, query: Array<[string, string]> = []): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers: Record<string, string> = { host, 'x-amz-date': amzDate, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const signed = Object.keys(headers).sort();
  const canonical = canonicalRequest({ method, rawPath, query, headers: headerValues(Object.entries(headers).flat()), signedHeaders: signed, payloadHash: 'UNSIGNED-PAYLOAD' });
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signature = hmac(deriveSigningKey(secret, amzDate.slice(0, 8), 'us-east-1', 's3'), stringToSign(amzDate, scope, canonical)).toString('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return headers;
}
