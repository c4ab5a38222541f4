/**
 * One S3 request as the handlers see it: who it addresses (bucket and key, from the path or,
 * with --s3-domain, from the Host header), its query parameters, its verified signature, and
 * the response helpers that write S3's XML and headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AuthContext } from './auth/sigv4-verifier';
import { errorDocument, xmlDocument, XmlNode } from './xml';
import { S3Error } from './s3.errors';

/**
 * Request ids name a request in logs and error documents; they need to be unique, not secret:
 * a random prefix per process and a counter, instead of 8 random bytes (a trip to the CSPRNG)
 * per request.
 */
const ID_PREFIX = randomBytes(4).toString('hex').toUpperCase();
let requestCount = 0;

function nextRequestId(): string {
  requestCount = (requestCount + 1) % 0x100000000;
  return ID_PREFIX + requestCount.toString(16).toUpperCase().padStart(8, '0');
}

export class S3Request {
  readonly requestId = nextRequestId();
  auth!: AuthContext;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly rawPath: string,
    readonly queryList: Array<[string, string]>,
    readonly bucket: string | undefined,
    readonly key: string | undefined,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  has(param: string): boolean {
    return this.queryList.some(([n]) => n === param);
  }

  param(name: string): string | undefined {
    return this.queryList.find(([n]) => n === name)?.[1];
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  }

  /** The bucket, which the router guarantees for bucket and object operations. */
  get bucketName(): string {
    return this.bucket!;
  }

  get objectKeyName(): string {
    return this.key!;
  }

  /** Lets a client that sent `Expect: 100-continue` start its body (once auth and checks passed). */
  continueBody(): void {
    if (/100-continue/i.test(this.header('expect') ?? '') && !this.res.headersSent) this.res.writeContinue();
  }

  sendXml(status: number, root: string, body: XmlNode, headers: Record<string, string> = {}): void {
    const text = xmlDocument(root, body);
    this.res.writeHead(status, { ...this.baseHeaders(), 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(text)), ...headers });
    this.res.end(text);
  }

  sendEmpty(status: number, headers: Record<string, string> = {}): void {
    this.res.writeHead(status, { ...this.baseHeaders(), 'content-length': '0', ...headers });
    this.res.end();
  }

  sendError(err: S3Error): void {
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    const resource = this.bucket ? `/${this.bucket}${this.key ? `/${this.key}` : ''}` : '/';
    const text = this.method === 'HEAD' ? '' : errorDocument(err.s3Code, err.message, resource, this.requestId);
    this.res.writeHead(err.status, { ...this.baseHeaders(), 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(text)) });
    this.res.end(text);
  }

  baseHeaders(): Record<string, string> {
    return { 'x-amz-request-id': this.requestId, 'x-amz-id-2': this.requestId, server: 'p2p-storage' };
  }
}
