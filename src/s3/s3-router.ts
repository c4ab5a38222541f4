/**
 * Routes an S3 request: reads bucket and key from the path (or from the Host with
 * --s3-domain), verifies the signature, then dispatches on method, bucket/key and the
 * sub-resource query parameters S3 uses (`uploads`, `uploadId`, `delete`, `list-type`, ...).
 * Unknown parameters (such as `x-id`, which newer SDKs add) are ignored; a sub-resource this
 * server does not implement answers NotImplemented; nothing answers a bare 500 unless it is
 * an internal failure.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { describeError } from '../common/errors';
import { QuarantineService } from '../storage/quarantine.service';
import { headerValues, parseRawQuery, safeDecode } from './auth/canonical';
import { SigV4Verifier } from './auth/sigv4-verifier';
import { BucketHandlers } from './bucket.handlers';
import { ListingHandlers } from './listing.handlers';
import { ObjectHandlers } from './object.handlers';
import { CopyHandlers } from './copy.handlers';
import { MultipartHandlers } from './multipart.handlers';
import { S3Error, toS3Error } from './s3.errors';
import { S3Request } from './s3-request';

/** Sub-resources S3 has and this server does not implement. */
const UNSUPPORTED = [
  'accelerate', 'analytics', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold', 'lifecycle', 'logging',
  'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'restore', 'retention', 'select', 'tagging', 'torrent', 'website', 'attributes',
];

type Handler = (r: S3Request) => Promise<void>;
interface Route {
  operation: string;
  run: Handler;
}

/** One S3 request, as the metrics see it (see S3Router.onRequest). */
export interface S3RequestReport {
  /** The S3 operation (PutObject, ListObjectsV2, ...; NotImplemented, MethodNotAllowed). */
  operation: string;
  status: number;
  seconds: number;
  bytesIn: number;
  bytesOut: number;
}

@Injectable()
export class S3Router {
  private readonly logger = new Logger('S3');
  private readonly domain: string | undefined;
  /** Told about every request once its response is done (metrics). */
  onRequest: ((report: S3RequestReport) => void) | undefined;
  private readonly socketBytes = new WeakMap<Socket, { read: number; written: number }>();

  constructor(
    @Inject(NODE_CONFIG) config: NodeConfig,
    private readonly verifier: SigV4Verifier,
    private readonly buckets: BucketHandlers,
    private readonly objects: ObjectHandlers,
    private readonly listings: ListingHandlers,
    private readonly copies: CopyHandlers,
    private readonly multipart: MultipartHandlers,
    private readonly quarantine: QuarantineService,
  ) {
    this.domain = config.s3.domain;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = process.hrtime.bigint();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const queryList = parseRawQuery(q < 0 ? '' : url.slice(q + 1));
    const { bucket, key } = this.address(rawPath, req.headers.host);
    const r = new S3Request(req, res, rawPath, queryList, bucket, key);
    const { operation, run } = this.route(r);
    this.measure(operation, req, res, startedAt);
    try {
      r.auth = this.verifier.verify({ method: r.method, rawPath, query: queryList, headers: headerValues(req.rawHeaders) });
      this.quarantine.assertServing();
      await run(r);
    } catch (err) {
      const s3 = toS3Error(err, { bucket, key });
      if (s3.status >= 500) this.logger.warn(`${r.method} ${rawPath.slice(0, 200)}: ${describeError(err)}`);
      r.sendError(s3);
    } finally {
      // A body the handler did not read (an error before it) is drained, so the connection stays usable.
      if (!req.readableEnded) req.resume();
    }
  }

  /**
   * Reports the request to onRequest once its response is done: status, time from arrival to
   * the last byte sent, and the bytes the connection carried each way meanwhile (headers
   * included; a keep-alive connection's count is taken up where its last request left it).
   */
  private measure(operation: string, req: IncomingMessage, res: ServerResponse, startedAt: bigint): void {
    const report = this.onRequest;
    if (!report) return;
    const socket = req.socket;
    const seen = this.socketBytes.get(socket) ?? { read: 0, written: 0 };
    res.once('close', () => {
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      this.socketBytes.set(socket, { read, written });
      report({ operation, status: res.statusCode, seconds: Number(process.hrtime.bigint() - startedAt) / 1e9, bytesIn: read - seen.read, bytesOut: written - seen.written });
    });
  }

  /** Bucket and key: `/bucket/key...` path style, or `bucket.<domain>` host with `/key...`. */
  address(rawPath: string, host: string | undefined): { bucket?: string; key?: string } {
    const hostname = (host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (this.domain && hostname.endsWith(`.${this.domain.replace(/:\d+$/, '')}`)) {
      const bucket = hostname.slice(0, hostname.length - this.domain.replace(/:\d+$/, '').length - 1);
      const key = safeDecode(rawPath.replace(/^\//, ''));
      return { bucket, key: key || undefined };
    }
    const path = rawPath.replace(/^\//, '');
    if (!path) return {};
    const slash = path.indexOf('/');
    if (slash < 0) return { bucket: safeDecode(path) };
    const key = safeDecode(path.slice(slash + 1));
    return { bucket: safeDecode(path.slice(0, slash)), key: key || undefined };
  }

  /** The handler of a request and the S3 operation it is (the metrics' label). */
  private route(r: S3Request): Route {
    const m = r.method;
    const unsupported = UNSUPPORTED.find((p) => r.has(p));
    const op = (operation: string, run: Handler): Route => ({ operation, run });
    if (!r.bucket) {
      if (m === 'GET') return op('ListBuckets', (x) => this.listings.listBuckets(x));
      return NOT_ALLOWED;
    }
    if (!r.key) {
      if (unsupported) return notImplemented(unsupported);
      switch (m) {
        case 'PUT':
          if (r.has('acl') || r.has('versioning')) return notImplemented(r.has('acl') ? 'acl' : 'versioning');
          return op('CreateBucket', (x) => this.buckets.create(x));
        case 'HEAD':
          return op('HeadBucket', (x) => this.buckets.head(x));
        case 'DELETE':
          return op('DeleteBucket', (x) => this.buckets.delete(x));
        case 'POST':
          if (r.has('delete')) return op('DeleteObjects', (x) => this.copies.deleteObjects(x));
          return notImplemented('POST');
        case 'GET':
          if (r.has('location')) return op('GetBucketLocation', (x) => this.buckets.location(x));
          if (r.has('versioning')) return op('GetBucketVersioning', (x) => this.buckets.versioning(x));
          if (r.has('acl')) return op('GetBucketAcl', (x) => this.buckets.acl(x));
          if (r.has('uploads')) return op('ListMultipartUploads', (x) => this.multipart.listUploads(x));
          if (r.has('versions')) return op('ListObjectVersions', (x) => this.listings.listVersions(x));
          if (r.param('list-type') === '2') return op('ListObjectsV2', (x) => this.listings.listV2(x));
          return op('ListObjects', (x) => this.listings.listV1(x));
        default:
          return NOT_ALLOWED;
      }
    }
    if (unsupported) return notImplemented(unsupported);
    switch (m) {
      case 'PUT':
        if (r.has('acl')) return notImplemented('acl');
        if (r.has('uploadId') || r.has('partNumber')) {
          return r.header('x-amz-copy-source') ? op('UploadPartCopy', (x) => this.multipart.uploadPartCopy(x)) : op('UploadPart', (x) => this.multipart.uploadPart(x));
        }
        if (r.header('x-amz-copy-source')) return op('CopyObject', (x) => this.copies.copyObject(x));
        return op('PutObject', (x) => this.objects.put(x));
      case 'GET':
        if (r.has('uploadId')) return op('ListParts', (x) => this.multipart.listParts(x));
        if (r.has('acl')) return op('GetObjectAcl', (x) => this.buckets.acl(x, () => this.objects.require(x)));
        return op('GetObject', (x) => this.objects.get(x));
      case 'HEAD':
        return op('HeadObject', (x) => this.objects.head(x));
      case 'DELETE':
        if (r.has('uploadId')) return op('AbortMultipartUpload', (x) => this.multipart.abort(x));
        return op('DeleteObject', (x) => this.objects.delete(x));
      case 'POST':
        if (r.has('uploads')) return op('CreateMultipartUpload', (x) => this.multipart.create(x));
        if (r.has('uploadId')) return op('CompleteMultipartUpload', (x) => this.multipart.complete(x));
        return notImplemented('POST');
      default:
        return NOT_ALLOWED;
    }
  }
}

function notImplemented(what: string): Route {
  return {
    operation: 'NotImplemented',
    run: async () => {
      throw new S3Error('NotImplemented', `A header or query you provided implies functionality that is not implemented (${what})`);
    },
  };
}

const NOT_ALLOWED: Route = {
  operation: 'MethodNotAllowed',
  run: async () => {
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource');
  },
};
