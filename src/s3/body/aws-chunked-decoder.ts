/**
 * Decodes an `aws-chunked` request body (Content-Encoding: aws-chunked):
 *
 *   <hex size>[;chunk-signature=<64 hex>]\r\n <size bytes> \r\n   ... repeated
 *   0[;chunk-signature=<64 hex>]\r\n
 *   [<trailer name>:<value>\r\n ...] [x-amz-trailer-signature:<64 hex>\r\n]
 *   \r\n
 *
 * With STREAMING-AWS4-HMAC-SHA256-PAYLOAD each chunk's signature chains from the previous one
 * (the first from the request's own signature) over the SHA-256 of the chunk; the trailer, if
 * any, is signed the same way. Data is passed on as it arrives, before its chunk's signature
 * is checked: the store it feeds commits only after the whole body decoded and verified, so
 * a forged chunk makes the store fail with nothing visible. Header lines are bounded, so a
 * hostile body cannot make us buffer more than a line.
 */
import { createHash, Hash } from 'node:crypto';
import { S3Error } from '../s3.errors';
import { hmac, sha256Hex } from '../auth/canonical';
import { signatureMatches } from '../auth/sigv4-verifier';

const MAX_LINE = 4096;
const MAX_TRAILER_LINES = 16;
const EMPTY_SHA256 = sha256Hex('');

export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  /** The request's own signature: the seed of the chain. */
  seed: string;
}

export interface ChunkedOptions {
  /** Set for signed chunks; undefined for STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  signing?: ChunkSigning;
  /** Called with the trailer headers (lower-case names) once the body has ended. */
  onTrailer?: (trailer: Map<string, string>) => void;
}

/** Reads bytes from an async source with a small look-ahead buffer. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    this.it = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    const next = await this.it.next();
    if (next.done) return false;
    const v = next.value as Buffer | string;
    const piece = typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    this.buf = this.buf.length ? Buffer.concat([this.buf, piece]) : piece;
    return true;
  }

  async line(): Promise<string> {
    for (;;) {
      const at = this.buf.indexOf('\r\n');
      if (at >= 0) {
        const text = this.buf.subarray(0, at).toString('latin1');
        this.buf = this.buf.subarray(at + 2);
        return text;
      }
      if (this.buf.length > MAX_LINE) throw new S3Error('IncompleteBody', 'An aws-chunked header line is too long');
      if (!(await this.more())) throw new S3Error('IncompleteBody', 'The aws-chunked body ended inside a header line');
    }
  }

  /** Up to `max` bytes (at least one), as they come. */
  async take(max: number): Promise<Buffer> {
    if (this.buf.length === 0 && !(await this.more())) throw new S3Error('IncompleteBody', 'The aws-chunked body ended inside a chunk');
    const out = this.buf.subarray(0, Math.min(max, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }
}

export async function* decodeAwsChunked(source: AsyncIterable<Buffer | Uint8Array | string>, options: ChunkedOptions = {}): AsyncGenerator<Buffer> {
  const reader = new ByteReader(source);
  const signing = options.signing;
  let previous = signing?.seed ?? '';
  for (;;) {
    const header = await reader.line();
    const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(header.trim());
    if (!m) throw new S3Error('IncompleteBody', `"${header.slice(0, 80)}" is not an aws-chunked chunk header`);
    const size = parseInt(m[1], 16);
    if (signing && !m[2]) throw new S3Error('SignatureDoesNotMatch', 'An aws-chunked chunk has no chunk-signature');
    const hash: Hash | undefined = signing ? createHash('sha256') : undefined;
    for (let left = size; left > 0; ) {
      const piece = await reader.take(left);
      left -= piece.length;
      hash?.update(piece);
      yield piece;
    }
    if (signing) {
      const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${previous}\n${EMPTY_SHA256}\n${hash!.digest('hex')}`;
      if (!signatureMatches(hmac(signing.signingKey, toSign), m[2])) throw new S3Error('SignatureDoesNotMatch', 'An aws-chunked chunk signature does not match');
      previous = m[2];
    }
    if (size === 0) break;
    if ((await reader.line()) !== '') throw new S3Error('IncompleteBody', 'An aws-chunked chunk is longer than its size');
  }
  await readTrailer(reader, signing, previous, options.onTrailer);
}

async function readTrailer(reader: ByteReader, signing: ChunkSigning | undefined, previous: string, onTrailer?: (t: Map<string, string>) => void): Promise<void> {
  const trailer = new Map<string, string>();
  let signedText = '';
  let trailerSignature: string | undefined;
  for (let i = 0; ; i++) {
    let line: string;
    try {
      line = await reader.line();
    } catch (err) {
      // A body that ends right after the last chunk's CRLF (no trailer, no blank line) is complete.
      if (i === 0 && trailer.size === 0) break;
      throw err;
    }
    if (line === '') break;
    if (i >= MAX_TRAILER_LINES) throw new S3Error('IncompleteBody', 'The aws-chunked trailer has too many lines');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new S3Error('IncompleteBody', `"${line.slice(0, 80)}" is not a trailer header`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSignature = value;
    else {
      trailer.set(name, value);
      signedText += `${name}:${value}\n`;
    }
  }
  if (signing && trailer.size > 0) {
    if (!trailerSignature) throw new S3Error('SignatureDoesNotMatch', 'The aws-chunked trailer is not signed');
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${previous}\n${sha256Hex(signedText)}`;
    if (!signatureMatches(hmac(signing.signingKey, toSign), trailerSignature)) throw new S3Error('SignatureDoesNotMatch', 'The aws-chunked trailer signature does not match');
  }
  onTrailer?.(trailer);
}
