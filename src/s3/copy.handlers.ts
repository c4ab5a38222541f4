/**
 * CopyObject and DeleteObjects. A copy streams the source's chunks (read from its holders,
 * verified) into a new store under the target key: the target has its own placement, so
 * its holders must receive the bytes anyway. COPY keeps the source's metadata, REPLACE takes
 * the request's; copying an object onto itself is allowed when it replaces the metadata (how
 * rclone updates a modification time). DeleteObjects deletes up to 1,000 keys, 16 at a time,
 * reporting each one.
 */
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { StorageService } from '../storage/storage.service';
import { readFileRange } from '../storage/file-reader';
import type { FileManifest } from '../peer-repository/file.repository';
import { safeDecode } from './auth/canonical';
import { BucketService } from './bucket.service';
import { checkReadConditions } from './conditions';
import { checkBucketName, objectKey } from './key-mapping';
import { ObjectHandlers, httpDate, stateOf } from './object.handlers';
import { contentPart, etagOf, metaFromHeaders } from './object-meta';
import { toS3Error, S3Error } from './s3.errors';
import { S3Request } from './s3-request';
import { parseXmlBody, readSmallBody, text, XmlNode } from './xml';

const MAX_DELETE_KEYS = 1000;
const DELETE_CONCURRENCY = 16;

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=...]`, URL-encoded. */
export function parseCopySource(header: string): { bucket: string; key: string } {
  const [path, query] = header.split('?', 2);
  const decoded = safeDecode(path).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  const version = /(?:^|&)versionId=([^&]*)/.exec(query ?? '')?.[1];
  if (version !== undefined && version !== 'null') throw new S3Error('InvalidArgument', 'Invalid version id specified');
  return { bucket: checkBucketName(decoded.slice(0, slash)), key: decoded.slice(slash + 1) };
}

@Injectable()
export class CopyHandlers {
  constructor(
    private readonly storage: StorageService,
    private readonly buckets: BucketService,
    private readonly objects: ObjectHandlers,
  ) {}

  /** The source object of a copy, after its x-amz-copy-source-if-* conditions. */
  async copySource(r: S3Request): Promise<FileManifest> {
    const src = parseCopySource(r.header('x-amz-copy-source')!);
    await this.buckets.require(src.bucket);
    const source = await this.objects.find(objectKey(src.bucket, src.key));
    if (!source) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
    checkReadConditions((n) => r.header(n), stateOf(source), 'x-amz-copy-source-');
    return source;
  }

  async copyObject(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    const target = objectKey(r.bucketName, r.objectKeyName);
    const source = await this.copySource(r);
    const directive = (r.header('x-amz-metadata-directive') ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'Unknown metadata directive');
    if (source.key === target && directive === 'COPY') {
      throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata");
    }
    const meta = directive === 'REPLACE' ? { ...metaFromHeaders(r.req.headers), ...contentPart(source.meta) } : { ...source.meta };
    const md5 = createHash('md5');
    async function* content(storage: StorageService): AsyncGenerator<Buffer> {
      for await (const piece of readFileRange(storage, source)) {
        if (!meta.etag) md5.update(piece);
        yield piece;
      }
    }
    const hadEtag = Boolean(meta.etag);
    await this.storage.storeStream(target, content(this.storage), {
      beforeCommit: () => (hadEtag ? meta : { ...meta, etag: md5.digest('hex') }),
    });
    await this.buckets.confirmWrite(r.bucketName, () => this.objects.deleteKey(target));
    const copied = await this.objects.find(target);
    r.sendXml(200, 'CopyObjectResult', {
      ETag: copied ? etagOf(copied.meta, copied.contentHash) : etagOf(source.meta, source.contentHash),
      LastModified: new Date(copied?.createdAt ?? Date.now()).toISOString(),
    }, { 'x-amz-copy-source-version-id': 'null', 'last-modified': httpDate(copied?.createdAt ?? Date.now()) });
  }

  async deleteObjects(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    r.continueBody();
    const raw = await readSmallBody(r.req);
    const md5 = r.header('content-md5');
    if (md5 !== undefined && createHash('md5').update(raw).digest('base64') !== md5.trim()) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received');
    }
    const doc = parseXmlBody(raw, 'Delete');
    const objects = (Array.isArray(doc.Object) ? doc.Object : []) as XmlNode[];
    if (objects.length > MAX_DELETE_KEYS) throw new S3Error('MalformedXML', `A DeleteObjects request may name at most ${MAX_DELETE_KEYS} keys`);
    const quiet = text(doc.Quiet)?.trim().toLowerCase() === 'true';
    const keys = objects.map((o) => text(o.Key) ?? '');
    const results = new Array<{ key: string; error?: S3Error }>(keys.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < keys.length; i = next++) {
        try {
          await this.objects.deleteKey(objectKey(r.bucketName, keys[i]));
          results[i] = { key: keys[i] };
        } catch (err) {
          results[i] = { key: keys[i], error: toS3Error(err, { key: keys[i] }) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
    r.sendXml(200, 'DeleteResult', {
      Deleted: quiet ? [] : results.filter((x) => !x.error).map((x) => ({ Key: x.key })),
      Error: results.filter((x) => x.error).map((x) => ({ Key: x.key, Code: x.error!.s3Code, Message: x.error!.message })),
    });
  }
}
