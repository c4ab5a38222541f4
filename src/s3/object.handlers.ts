/**
 * PutObject, GetObject, HeadObject and DeleteObject. Bodies stream both ways: a PUT feeds the
 * store chunk by chunk as the request arrives (checked as it goes, see body/object-body.ts),
 * and a GET sends chunks as they are read, waiting for the socket to drain; neither holds a
 * whole object in memory. Objects are never versioned: `versionId=null` names the one version
 * there is, any other version id is refused.
 */
import { Injectable } from '@nestjs/common';
import type { FileManifest } from '../peer-repository/file.repository';
import { FileNotFoundError } from '../storage/storage.errors';
import { StorageService } from '../storage/storage.service';
import { readFileRange } from '../storage/file-reader';
import { objectBody } from './body/object-body';
import { BucketService } from './bucket.service';
import { ObjectState, checkReadConditions, checkWriteConditions, parseS3Range } from './conditions';
import { objectKey } from './key-mapping';
import { etagOf, metaFromHeaders, responseHeaders, withContent } from './object-meta';
import { S3Error } from './s3.errors';
import { S3Request } from './s3-request';

/** response-content-* query parameters and the headers they override on a GET. */
const OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

export function stateOf(m: FileManifest): ObjectState {
  return { etag: etagOf(m.meta, m.contentHash), lastModified: m.createdAt };
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

@Injectable()
export class ObjectHandlers {
  constructor(
    private readonly storage: StorageService,
    private readonly buckets: BucketService,
  ) {}

  /** The stored manifest of an object, or undefined when there is none. */
  async find(clusterKey: string): Promise<FileManifest | undefined> {
    try {
      return await this.storage.manifest(clusterKey);
    } catch (err) {
      if (err instanceof FileNotFoundError) return undefined;
      throw err;
    }
  }

  async require(r: S3Request): Promise<FileManifest> {
    checkVersionId(r);
    await this.buckets.require(r.bucketName);
    const found = await this.find(objectKey(r.bucketName, r.objectKeyName));
    if (!found) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
    return found;
  }

  async put(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    const key = objectKey(r.bucketName, r.objectKeyName);
    const meta = metaFromHeaders(r.req.headers);
    const conditional = r.header('if-none-match') !== undefined || r.header('if-match') !== undefined;
    const recheck = async () => {
      if (!conditional) return;
      const current = await this.find(key);
      checkWriteConditions((n) => r.header(n), current && stateOf(current));
    };
    await recheck();
    const body = objectBody(r.req, r.auth);
    r.continueBody();
    await this.storage.storeStream(key, body.content, {
      beforeCommit: async () => {
        await recheck();
        const d = body.digests();
        return withContent(meta, d.md5Hex, d.checksums);
      },
    });
    await this.buckets.confirmWrite(r.bucketName, () => this.deleteKey(key));
    const d = body.digests();
    const headers: Record<string, string> = { etag: `"${d.md5Hex}"` };
    for (const [a, v] of Object.entries(d.checksums)) if (v) headers[`x-amz-checksum-${a}`] = v;
    r.sendEmpty(200, headers);
  }

  async head(r: S3Request): Promise<void> {
    const m = await this.require(r);
    const headers = this.objectHeaders(r, m);
    if (checkReadConditions((n) => r.header(n), stateOf(m)) === 'not-modified') return r.sendEmpty(304, notModifiedHeaders(headers));
    const range = parseS3Range(r.header('range'), m.size);
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${m.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
    }
    r.res.writeHead(range ? 206 : 200, { ...r.baseHeaders(), ...headers });
    r.res.end();
  }

  async get(r: S3Request): Promise<void> {
    const m = await this.require(r);
    const headers = this.objectHeaders(r, m);
    if (checkReadConditions((n) => r.header(n), stateOf(m)) === 'not-modified') return r.sendEmpty(304, notModifiedHeaders(headers));
    const range = parseS3Range(r.header('range'), m.size);
    const start = range?.start ?? 0;
    const end = range?.end ?? m.size - 1;
    if (range) {
      headers['content-range'] = `bytes ${start}-${end}/${m.size}`;
      headers['content-length'] = String(end - start + 1);
      for (const k of Object.keys(headers)) if (k.startsWith('x-amz-checksum-')) delete headers[k];
    }
    await sendContent(r, range ? 206 : 200, headers, readFileRange(this.storage, m, start, end));
  }

  async delete(r: S3Request): Promise<void> {
    checkVersionId(r);
    await this.buckets.require(r.bucketName);
    await this.deleteKey(objectKey(r.bucketName, r.objectKeyName));
    r.sendEmpty(204);
  }

  /** Deletes a cluster key; one that does not exist counts as deleted, as in S3. */
  async deleteKey(clusterKey: string): Promise<void> {
    try {
      await this.storage.delete(clusterKey);
    } catch (err) {
      if (!(err instanceof FileNotFoundError)) throw err;
    }
  }

  private objectHeaders(r: S3Request, m: FileManifest): Record<string, string> {
    const headers: Record<string, string> = {
      ...responseHeaders(m.meta, /enabled/i.test(r.header('x-amz-checksum-mode') ?? '')),
      etag: etagOf(m.meta, m.contentHash),
      'last-modified': httpDate(m.createdAt),
      'accept-ranges': 'bytes',
      'content-length': String(m.size),
    };
    if (r.has('versionId')) headers['x-amz-version-id'] = 'null';
    for (const [param, name] of OVERRIDES) {
      const value = r.param(param);
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  }
}

function notModifiedHeaders(h: Record<string, string>): Record<string, string> {
  return { etag: h.etag, 'last-modified': h['last-modified'] };
}

/** Only the version every unversioned object has: `null`. */
export function checkVersionId(r: S3Request): void {
  const v = r.param('versionId');
  if (v !== undefined && v !== 'null' && v !== '') throw new S3Error('InvalidArgument', 'Invalid version id specified');
}

/** Writes a status, headers and a streamed body, honouring backpressure; a failure mid-body cuts the connection. */
export async function sendContent(r: S3Request, status: number, headers: Record<string, string>, body: AsyncIterable<Buffer>): Promise<void> {
  const it = body[Symbol.asyncIterator]();
  // The first piece is read before the headers go out, so that a failing read is still an S3 error.
  let next = await it.next();
  r.res.writeHead(status, { ...r.baseHeaders(), ...headers });
  // A body of one piece (every small object) goes out with its headers in one write.
  if (!next.done && next.value.length === Number(headers['content-length'])) {
    r.res.end(next.value);
    await it.return?.();
    return;
  }
  try {
    while (!next.done) {
      if (!r.res.write(next.value)) await new Promise<void>((resolve) => {
        r.res.once('drain', resolve);
        r.res.once('close', resolve);
      });
      if (r.res.destroyed) return;
      next = await it.next();
    }
    r.res.end();
  } catch (err) {
    r.res.destroy(err as Error);
  } finally {
    await it.return?.();
  }
}
