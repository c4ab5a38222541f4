/**
 * Verifies AWS Signature Version 4 on a request, in the Authorization header or in the query
 * string of a presigned URL (or a Version 2 presigned URL, see sigv2-presign.ts), and says how the body is signed: a hex SHA-256 the body must
 * match, UNSIGNED-PAYLOAD, or aws-chunked (each chunk signed in a chain seeded by this
 * signature, or unsigned with a checksum trailer). Signatures are compared in constant time;
 * signing keys are cached per secret, day and region. Any region is accepted: the region is
 * part of what is signed, so a client configured with any name works.
 */
import { timingSafeEqual } from 'node:crypto';
import { S3Error } from '../s3.errors';
import { AccessKeyStore } from './access-keys';
import { canonicalRequest, deriveSigningKey, hmac, stringToSign } from './canonical';
import { isV2Presigned, verifyV2Presigned } from './sigv2-presign';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

const MAX_SKEW_MS = 15 * 60_000;
const MAX_PRESIGN_SECONDS = 604_800;
const HEX64 = /^[0-9a-f]{64}$/;

export type PayloadMode =
  | { kind: 'hex'; sha256: string }
  | { kind: 'unsigned' }
  | { kind: 'chunked-signed'; trailer: boolean }
  | { kind: 'chunked-unsigned-trailer' };

/** What a verified request carries on: who signed it, and what a streaming body needs. */
export interface AuthContext {
  accessKeyId: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  signature: string;
  payload: PayloadMode;
}

export interface SignedRequest {
  method: string;
  rawPath: string;
  query: Array<[string, string]>;
  headers: Map<string, string[]>;
}

export class SigV4Verifier {
  private readonly keyCache = new Map<string, Buffer>();

  constructor(private readonly keys: AccessKeyStore, private readonly now: () => number = Date.now) {}

  verify(req: SignedRequest): AuthContext {
    const header = req.headers.get('authorization')?.[0];
    if (header) return this.verifyHeader(req, header);
    if (req.query.some(([n]) => n === 'X-Amz-Signature')) return this.verifyPresigned(req);
    if (isV2Presigned(req.query)) {
      const { accessKeyId } = verifyV2Presigned(this.keys, req, this.now());
      return { accessKeyId, signingKey: Buffer.alloc(0), amzDate: '', scope: '', signature: '', payload: { kind: 'unsigned' } };
    }
    throw new S3Error('AccessDenied', 'Anonymous access is not allowed: sign the request with an access key of this cluster');
  }

  private verifyHeader(req: SignedRequest, header: string): AuthContext {
    const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
    if (!m) throw new S3Error(header.startsWith('AWS ') ? 'InvalidRequest' : 'AuthorizationHeaderMalformed', 'Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is supported');
    const fields = new Map<string, string>();
    for (const part of m[1].split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get('Credential');
    const signed = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signed || !signature) throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header needs Credential, SignedHeaders and Signature');
    const amzDate = first(req.headers, 'x-amz-date') ?? isoFromHttpDate(first(req.headers, 'date'));
    if (!amzDate) throw new S3Error('AccessDenied', 'The request has no X-Amz-Date or Date header');
    const payloadHash = first(req.headers, 'x-amz-content-sha256');
    if (!payloadHash) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    const signedHeaders = signed.split(';');
    const scope = this.checkScope(credential, amzDate, 'AuthorizationHeaderMalformed');
    this.checkClock(amzDate);
    const auth = this.check(req, { ...scope, amzDate, signature, signedHeaders, payloadHash });
    return { ...auth, payload: payloadMode(payloadHash) };
  }

  private verifyPresigned(req: SignedRequest): AuthContext {
    const q = new Map(req.query);
    const bad = (msg: string) => new S3Error('AuthorizationQueryParametersError', msg);
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw bad('X-Amz-Algorithm must be AWS4-HMAC-SHA256');
    const credential = q.get('X-Amz-Credential');
    const amzDate = q.get('X-Amz-Date');
    const expires = q.get('X-Amz-Expires');
    const signed = q.get('X-Amz-SignedHeaders');
    const signature = q.get('X-Amz-Signature')!;
    if (!credential || !amzDate || !signed || !expires) throw bad('A presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders');
    const seconds = Number(expires);
    if (!/^\d+$/.test(expires) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) throw bad(`X-Amz-Expires must be from 1 to ${MAX_PRESIGN_SECONDS} seconds`);
    const scope = this.checkScope(credential, amzDate, 'AuthorizationQueryParametersError');
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined) throw bad('X-Amz-Date is not a date such as 20260101T000000Z');
    if (signedAt - MAX_SKEW_MS > this.now()) throw new S3Error('AccessDenied', 'Request is not valid yet');
    const payloadHash = q.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
    const auth = this.check(req, { ...scope, amzDate, signature, signedHeaders: signed.split(';'), payloadHash, excludeParam: 'X-Amz-Signature' });
    // Expiry is checked after the signature, so that an expired URL is told apart from a forged one.
    if (this.now() > signedAt + seconds * 1000) throw new S3Error('AccessDenied', 'Request has expired');
    return { ...auth, payload: payloadMode(payloadHash) };
  }

  private checkScope(credential: string, amzDate: string, code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError') {
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request') throw new S3Error(code, `The credential "${credential.slice(0, 200)}" is not KEY/DATE/REGION/s3/aws4_request`);
    const [accessKeyId, date, region, service] = parts;
    if (service !== 's3') throw new S3Error(code, `The credential names service "${service}", expected "s3"`);
    if (!/^\d{8}$/.test(date) || !amzDate.startsWith(date)) throw new S3Error(code, `The credential date ${date} is not the request date ${amzDate.slice(0, 8)}`);
    return { accessKeyId, date, region, scope: parts.slice(1).join('/') };
  }

  private checkClock(amzDate: string): void {
    const at = parseAmzDate(amzDate);
    if (at === undefined) throw new S3Error('AccessDenied', `X-Amz-Date "${amzDate.slice(0, 40)}" is not a date such as 20260101T000000Z`);
    if (Math.abs(this.now() - at) > MAX_SKEW_MS) throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the server time is too large');
  }

  private check(
    req: SignedRequest,
    p: { accessKeyId: string; date: string; region: string; scope: string; amzDate: string; signature: string; signedHeaders: string[]; payloadHash: string; excludeParam?: string },
  ): Omit<AuthContext, 'payload'> {
    const secret = this.keys.secretFor(p.accessKeyId);
    if (secret === undefined) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records');
    if (!p.signedHeaders.includes('host')) throw new S3Error('AccessDenied', 'The host header must be signed');
    const canonical = canonicalRequest({
      method: req.method,
      rawPath: req.rawPath,
      query: req.query,
      excludeParam: p.excludeParam,
      headers: req.headers,
      signedHeaders: p.signedHeaders,
      payloadHash: p.payloadHash,
    });
    const signingKey = this.signingKey(secret, p.date, p.region);
    const expected = hmac(signingKey, stringToSign(p.amzDate, p.scope, canonical));
    if (!signatureMatches(expected, p.signature)) {
      throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    return { accessKeyId: p.accessKeyId, signingKey, amzDate: p.amzDate, scope: p.scope, signature: p.signature };
  }

  private signingKey(secret: string, date: string, region: string): Buffer {
    const id = `${date}/${region}/${secret}`;
    let key = this.keyCache.get(id);
    if (!key) {
      if (this.keyCache.size > 256) this.keyCache.clear();
      key = deriveSigningKey(secret, date, region, 's3');
      this.keyCache.set(id, key);
    }
    return key;
  }
}

/** Constant-time comparison of a computed signature with the hex one a client sent. */
export function signatureMatches(expected: Buffer, given: string): boolean {
  if (!HEX64.test(given)) return false;
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

function payloadMode(hash: string): PayloadMode {
  if (hash === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
  if (hash === STREAMING_SIGNED) return { kind: 'chunked-signed', trailer: false };
  if (hash === STREAMING_SIGNED_TRAILER) return { kind: 'chunked-signed', trailer: true };
  if (hash === STREAMING_UNSIGNED_TRAILER) return { kind: 'chunked-unsigned-trailer' };
  if (HEX64.test(hash)) return { kind: 'hex', sha256: hash };
  throw new S3Error('InvalidArgument', `x-amz-content-sha256 "${hash.slice(0, 80)}" is not a SHA-256 or a known payload mode`);
}

function first(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name)?.[0];
}

export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isFinite(t) ? t : undefined;
}

function isoFromHttpDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') : undefined;
}
