import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AccessKeyStore } from './access-keys';
import { headerValues, uriEncode } from './canonical';
import { SigV4Verifier, SignedRequest, UNSIGNED_PAYLOAD } from './sigv4-verifier';
import { S3Error } from '../s3.errors';

/** SHA-256 for the signer, from node:crypto (the signer wants the SDK's Checksum shape). */
class Sha256 {
  private hash;
  constructor(private readonly secret?: Uint8Array | string) {
    this.hash = secret ? createHmac('sha256', Buffer.from(secret as Uint8Array)) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.secret ? createHmac('sha256', Buffer.from(this.secret as Uint8Array)) : createHash('sha256');
  }
}

const ID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const signer = new SignatureV4({ credentials: { accessKeyId: ID, secretAccessKey: SECRET }, region: 'us-east-1', service: 's3', sha256: Sha256 as never, uriEscapePath: false });
const sut = new SigV4Verifier(new AccessKeyStore(new Map([[ID, SECRET]]), undefined), () => NOW);

interface Case {
  name: string;
  /** The key as a client names it; the path on the wire is each segment RFC 3986-encoded. */
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'a plain key', key: 'photos/cat.jpg' },
  { name: 'spaces and plus signs', key: 'a b+c/d e+f.txt' },
  { name: 'a key holding %2F and %', key: 'odd%2Fname/100%.txt' },
  { name: 'unicode', key: 'données/日本語/emoji-😀.bin' },
  { name: 'reserved characters', key: "!$&'()*,;=:@[]~_-." },
  { name: 'double slashes and dots', key: 'a//b/../c/./d' },
  { name: 'a query with +, spaces, / and unicode', key: 'k', query: { prefix: 'a+b c/ü', delimiter: '/', 'max-keys': '10' } },
  { name: 'empty query values', key: 'k', query: { uploads: '', 'list-type': '2', 'continuation-token': '' } },
  { name: 'x-amz headers with extra spaces', key: 'k', headers: { 'x-amz-meta-note': '  two   spaces  ', 'content-type': 'text/plain' } },
];

function wirePath(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map((s) => uriEncode(s)).join('/')}`;
}

function wireQuery(query: Record<string, string> = {}): Array<[string, string]> {
  return Object.entries(query);
}

async function signed(c: Case, method = 'GET', payloadHash = UNSIGNED_PAYLOAD): Promise<SignedRequest> {
  const path = wirePath('bucket', c.key);
  const headers = { host: '127.0.0.1:9000', 'x-amz-content-sha256': payloadHash, ...(c.headers ?? {}) };
  const out = await signer.sign({ method, protocol: 'http:', hostname: '127.0.0.1', port: 9000, path, query: c.query ?? {}, headers }, { signingDate: new Date(NOW) });
  const raw: string[] = [];
  for (const [k, v] of Object.entries(out.headers)) raw.push(k, String(v));
  return { method, rawPath: path, query: wireQuery(c.query), headers: headerValues(raw) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Error) return err.s3Code;
    throw err;
  }
  return 'ok';
}

describe(SigV4Verifier.name, () => {
  for (const c of CASES) {
    it(`accepts a header signature over ${c.name}`, async () => {
      const req = await signed(c);
      assert.equal(sut.verify(req).accessKeyId, ID);
    });
  }

  it('accepts a path sent with lower-case percent escapes', async () => {
    const req = await signed(CASES[3]);
    const lower = { ...req, rawPath: req.rawPath.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) };
    assert.equal(code(() => sut.verify(lower)), 'ok');
  });

  it('joins a repeated header with commas, as signers do', async () => {
    const c: Case = { name: 'repeated', key: 'k', headers: { 'x-amz-meta-a': 'one,two' } };
    const req = await signed(c);
    const raw: string[] = [];
    for (const [name, values] of req.headers) {
      if (name === 'x-amz-meta-a') raw.push(name, 'one', name, 'two');
      else for (const v of values) raw.push(name, v);
    }
    assert.equal(code(() => sut.verify({ ...req, headers: headerValues(raw) })), 'ok');
  });

  it('refuses a changed key, query, header or method with SignatureDoesNotMatch', async () => {
    const req = await signed(CASES[6]);
    assert.equal(code(() => sut.verify({ ...req, rawPath: req.rawPath + 'x' })), 'SignatureDoesNotMatch');
    assert.equal(code(() => sut.verify({ ...req, query: [...req.query, ['extra', '1']] })), 'SignatureDoesNotMatch');
    assert.equal(code(() => sut.verify({ ...req, method: 'DELETE' })), 'SignatureDoesNotMatch');
    const headers = new Map(req.headers);
    headers.set('host', ['127.0.0.1:9001']);
    assert.equal(code(() => sut.verify({ ...req, headers })), 'SignatureDoesNotMatch');
  });

  it('tells an unknown access key, a missing signature and a skewed clock apart', async () => {
    const req = await signed(CASES[0]);
    const auth = req.headers.get('authorization')![0];
    const other = new Map(req.headers);
    other.set('authorization', [auth.replace(ID, 'AKIDUNKNOWN')]);
    assert.equal(code(() => sut.verify({ ...req, headers: other })), 'InvalidAccessKeyId');
    const anonymous = new Map(req.headers);
    anonymous.delete('authorization');
    assert.equal(code(() => sut.verify({ ...req, headers: anonymous })), 'AccessDenied');
    const late = new SigV4Verifier(new AccessKeyStore(new Map([[ID, SECRET]]), undefined), () => NOW + 16 * 60_000);
    assert.equal(code(() => late.verify(req)), 'RequestTimeTooSkewed');
    const malformed = new Map(req.headers);
    malformed.set('authorization', ['AWS4-HMAC-SHA256 Credential=x']);
    assert.equal(code(() => sut.verify({ ...req, headers: malformed })), 'AuthorizationHeaderMalformed');
  });

  it('says how the payload is signed', async () => {
    const hex = createHash('sha256').update('body').digest('hex');
    assert.deepEqual(sut.verify(await signed(CASES[0], 'PUT', hex)).payload, { kind: 'hex', sha256: hex });
    assert.deepEqual(sut.verify(await signed(CASES[0], 'PUT', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD')).payload, { kind: 'chunked-signed', trailer: false });
    assert.deepEqual(sut.verify(await signed(CASES[0], 'PUT', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER')).payload, { kind: 'chunked-unsigned-trailer' });
  });

  for (const c of [CASES[1], CASES[3], CASES[6]]) {
    it(`accepts a presigned URL over ${c.name}, and refuses it once expired`, async () => {
      const path = wirePath('bucket', c.key);
      const out = await signer.presign(
        { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path, query: c.query ?? {}, headers: { host: '127.0.0.1:9000', 'x-amz-content-sha256': UNSIGNED_PAYLOAD } },
        // As S3's presigner does: the payload is UNSIGNED-PAYLOAD and the header is not sent.
        { signingDate: new Date(NOW), expiresIn: 60, unsignableHeaders: new Set(['x-amz-content-sha256']) },
      );
      const query = Object.entries(out.query ?? {}).map(([k, v]): [string, string] => [k, String(v)]);
      const req: SignedRequest = { method: 'GET', rawPath: path, query, headers: headerValues(['host', '127.0.0.1:9000']) };
      assert.equal(sut.verify(req).payload.kind, 'unsigned');
      const later = new SigV4Verifier(new AccessKeyStore(new Map([[ID, SECRET]]), undefined), () => NOW + 61_000);
      assert.equal(code(() => later.verify(req)), 'AccessDenied');
      const forged = query.map(([k, v]): [string, string] => [k, k === 'X-Amz-Signature' ? v.replace(/^./, v[0] === 'a' ? 'b' : 'a') : v]);
      assert.equal(code(() => sut.verify({ ...req, query: forged })), 'SignatureDoesNotMatch');
    });
  }
});
