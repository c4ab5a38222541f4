/**
 * An object's content as it arrives: the request body, decoded from aws-chunked when it is
 * framed so, digested while it passes (MD5 for the ETag, any x-amz-checksum-* asked for) and
 * checked when it ends against everything the client declared: the signed SHA-256, the
 * Content-MD5, the checksum headers or trailer, and the length. A mismatch is thrown from the
 * stream itself, so the store it feeds never commits (nothing half-checked becomes visible).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { S3Error } from '../s3.errors';
import type { AuthContext } from '../auth/sigv4-verifier';
import { decodeAwsChunked } from './aws-chunked-decoder';
import { ChecksumAlgorithm, Checksums, ContentDigests, DigestResults, isChecksumAlgorithm } from './checksums';

/** The largest object a single PUT may carry (S3's limit). */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface ObjectBody {
  content: AsyncIterable<Buffer>;
  /** Available once `content` has been read to its end without error. */
  digests(): DigestResults;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The checksum algorithms this request declares (headers or the announced trailer). */
export function requestedChecksums(req: IncomingMessage): { algorithms: Set<ChecksumAlgorithm>; declared: Checksums } {
  const algorithms = new Set<ChecksumAlgorithm>();
  const declared: Checksums = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(name);
    if (!m || m[1] === 'mode' || m[1] === 'type' || m[1] === 'algorithm') continue;
    if (!isChecksumAlgorithm(m[1])) {
      if (m[1] === 'crc64nvme') continue; // Accepted and not checked: no CRC64 here yet.
      throw new S3Error('InvalidRequest', `Checksum algorithm ${m[1]} is not supported`);
    }
    algorithms.add(m[1]);
    declared[m[1]] = String(value);
  }
  const trailer = header(req, 'x-amz-trailer')?.toLowerCase();
  const fromTrailer = /^x-amz-checksum-([a-z0-9]+)$/.exec(trailer ?? '')?.[1];
  if (fromTrailer && isChecksumAlgorithm(fromTrailer)) algorithms.add(fromTrailer);
  const sdk = (header(req, 'x-amz-sdk-checksum-algorithm') ?? header(req, 'x-amz-checksum-algorithm'))?.toLowerCase();
  if (sdk && isChecksumAlgorithm(sdk)) algorithms.add(sdk);
  return { algorithms, declared };
}

export function parseContentMd5(req: IncomingMessage): string | undefined {
  const value = header(req, 'content-md5');
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value.trim())) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid');
  return value.trim();
}

/** `alsoCompute`: checksums computed whether the client declared them or not (a multipart upload's algorithm, for its parts). */
export function objectBody(req: IncomingMessage, auth: AuthContext, limit = MAX_PUT_BYTES, alsoCompute: ChecksumAlgorithm[] = []): ObjectBody {
  const contentMd5 = parseContentMd5(req);
  const { algorithms, declared } = requestedChecksums(req);
  for (const a of alsoCompute) algorithms.add(a);
  const digests = new ContentDigests(algorithms);
  const payload = auth.payload;
  const chunked = payload.kind === 'chunked-signed' || payload.kind === 'chunked-unsigned-trailer' || /aws-chunked/i.test(header(req, 'content-encoding') ?? '');
  const expected = chunked ? header(req, 'x-amz-decoded-content-length') : header(req, 'content-length');
  const expectedSize = expected === undefined ? undefined : Number(expected);
  if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) throw new S3Error('InvalidArgument', 'The content length is not a number');
  if (expectedSize !== undefined && expectedSize > limit) throw new S3Error('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${limit} bytes`);
  const trailer = new Map<string, string>();
  const source: AsyncIterable<Buffer> = chunked
    ? decodeAwsChunked(req, {
        signing: payload.kind === 'chunked-signed' ? { signingKey: auth.signingKey, amzDate: auth.amzDate, scope: auth.scope, seed: auth.signature } : undefined,
        onTrailer: (t) => t.forEach((v, k) => trailer.set(k, v)),
      })
    : req;
  const payloadHash = payload.kind === 'hex' ? createHash('sha256') : undefined;

  async function* content(): AsyncGenerator<Buffer> {
    for await (const piece of source) {
      digests.update(piece);
      payloadHash?.update(piece);
      if (digests.size > limit) throw new S3Error('EntityTooLarge', `Your upload exceeds the maximum allowed size of ${limit} bytes`);
      yield piece;
    }
    if (expectedSize !== undefined && digests.size !== expectedSize) {
      throw new S3Error('IncompleteBody', `You did not provide the number of bytes specified by the Content-Length HTTP header (${digests.size} of ${expectedSize})`);
    }
    if (payload.kind === 'hex' && payloadHash!.digest('hex') !== payload.sha256) {
      throw new S3Error('XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed');
    }
    const results = digests.digest();
    if (contentMd5 !== undefined && contentMd5 !== results.md5Base64) throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received');
    for (const a of algorithms) {
      const given = declared[a] ?? trailer.get(`x-amz-checksum-${a}`);
      if (given !== undefined && given !== results.checksums[a]) {
        throw new S3Error('BadDigest', `The ${a.toUpperCase()} you specified did not match the calculated checksum`);
      }
    }
  }

  return { content: content(), digests: () => digests.digest() };
}
