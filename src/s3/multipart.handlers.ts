/**
 * The multipart operations over HTTP: CreateMultipartUpload, UploadPart, UploadPartCopy,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads.
 *
 * Complete answers 200 at once and then writes a space every few seconds while it streams
 * the parts into the object (as S3 does), so clients' read timeouts do not fire on a large
 * object; a failure after that point is an Error document inside the 200, which the SDKs
 * recognise for this operation.
 */
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { StorageService } from '../storage/storage.service';
import { readFileRange } from '../storage/file-reader';
import { objectBody } from './body/object-body';
import { BucketService } from './bucket.service';
import { checkWriteConditions } from './conditions';
import { CopyHandlers } from './copy.handlers';
import { objectKey, uploadKey } from './key-mapping';
import { OWNER } from './listing.handlers';
import { MAX_PART_NUMBER, MIN_PART_BYTES, MultipartService, PartInfo, Upload } from './multipart.service';
import { ObjectHandlers, stateOf } from './object.handlers';
import { metaFromHeaders, withContent } from './object-meta';
import { S3Error, toS3Error } from './s3.errors';
import { S3Request } from './s3-request';
import { errorDocument, parseXmlBody, readSmallBody, text, xmlDocument, XmlNode } from './xml';

const KEEPALIVE_MS = 5_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function partNumberOf(r: S3Request): number {
  const raw = r.param('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER) throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
  return n;
}

@Injectable()
export class MultipartHandlers {
  constructor(
    private readonly storage: StorageService,
    private readonly buckets: BucketService,
    private readonly uploads: MultipartService,
    private readonly objects: ObjectHandlers,
    private readonly copies: CopyHandlers,
  ) {}

  private async upload(r: S3Request): Promise<Upload> {
    await this.buckets.require(r.bucketName);
    objectKey(r.bucketName, r.objectKeyName);
    return this.uploads.get(r.bucketName, r.param('uploadId') ?? '', r.objectKeyName);
  }

  async create(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    objectKey(r.bucketName, r.objectKeyName);
    const uploadId = await this.uploads.create(r.bucketName, r.objectKeyName, metaFromHeaders(r.req.headers));
    await this.buckets.confirmWrite(r.bucketName, () => this.objects.deleteKey(uploadKey(r.bucketName, uploadId)));
    r.sendXml(200, 'InitiateMultipartUploadResult', { Bucket: r.bucketName, Key: r.objectKeyName, UploadId: uploadId });
  }

  async uploadPart(r: S3Request): Promise<void> {
    const partNumber = partNumberOf(r);
    const upload = await this.upload(r);
    const body = objectBody(r.req, r.auth);
    r.continueBody();
    await this.uploads.storePart(upload, partNumber, body.content, () => {
      const d = body.digests();
      return { etag: d.md5Hex, extra: withContent({}, d.md5Hex, d.checksums) };
    });
    const d = body.digests();
    const headers: Record<string, string> = { etag: `"${d.md5Hex}"` };
    for (const [a, v] of Object.entries(d.checksums)) if (v) headers[`x-amz-checksum-${a}`] = v;
    r.sendEmpty(200, headers);
  }

  async uploadPartCopy(r: S3Request): Promise<void> {
    const partNumber = partNumberOf(r);
    const upload = await this.upload(r);
    const source = await this.copies.copySource(r);
    const range = /^bytes=(\d+)-(\d+)$/.exec(r.header('x-amz-copy-source-range') ?? '');
    if (r.header('x-amz-copy-source-range') && (!range || Number(range[2]) >= source.size || Number(range[1]) > Number(range[2]))) {
      throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
    }
    const md5 = createHash('md5');
    const storage = this.storage;
    async function* content(): AsyncGenerator<Buffer> {
      for await (const piece of readFileRange(storage, source, range ? Number(range[1]) : 0, range ? Number(range[2]) : source.size - 1)) {
        md5.update(piece);
        yield piece;
      }
    }
    let etag = '';
    await this.uploads.storePart(upload, partNumber, content(), () => ({ etag: (etag = md5.digest('hex')) }));
    r.sendXml(200, 'CopyPartResult', { ETag: `"${etag}"`, LastModified: iso(Date.now()) });
  }

  async listParts(r: S3Request): Promise<void> {
    const upload = await this.upload(r);
    const marker = Number(r.param('part-number-marker') ?? 0) || 0;
    const maxParts = Math.min(1000, Number(r.param('max-parts') ?? 1000) || 1000);
    const { parts, truncated } = await this.uploads.parts(upload.uploadId, marker, maxParts);
    r.sendXml(200, 'ListPartsResult', {
      Bucket: r.bucketName,
      Key: upload.key,
      UploadId: upload.uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      PartNumberMarker: marker,
      ...(parts.length ? { NextPartNumberMarker: parts[parts.length - 1].partNumber } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: parts.map((p) => ({ PartNumber: p.partNumber, LastModified: iso(p.lastModified), ETag: `"${p.etag}"`, Size: p.size })),
    });
  }

  async listUploads(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    const prefix = r.param('prefix') ?? '';
    const all = (await this.uploads.uploads(r.bucketName))
      .filter((u) => u.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
    const max = Math.min(1000, Number(r.param('max-uploads') ?? 1000) || 1000);
    r.sendXml(200, 'ListMultipartUploadsResult', {
      Bucket: r.bucketName,
      KeyMarker: r.param('key-marker') ?? '',
      UploadIdMarker: r.param('upload-id-marker') ?? '',
      Prefix: prefix,
      MaxUploads: max,
      IsTruncated: all.length > max,
      Upload: all.slice(0, max).map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiator: OWNER, Owner: OWNER, StorageClass: 'STANDARD', Initiated: iso(u.initiated) })),
    });
  }

  async abort(r: S3Request): Promise<void> {
    const upload = await this.upload(r);
    await this.uploads.discard(upload);
    r.sendEmpty(204);
  }

  async complete(r: S3Request): Promise<void> {
    const upload = await this.upload(r);
    r.continueBody();
    const doc = parseXmlBody(await readSmallBody(r.req), 'CompleteMultipartUpload');
    const asked = ((Array.isArray(doc.Part) ? doc.Part : []) as XmlNode[]).map((p) => ({ partNumber: Number(text(p.PartNumber)), etag: (text(p.ETag) ?? '').trim().replace(/^"|"$/g, '') }));
    if (asked.length === 0) throw new S3Error('MalformedXML', 'You must specify at least one part');
    const stored = new Map((await this.uploads.parts(upload.uploadId)).parts.map((p) => [p.partNumber, p]));
    const chosen = checkParts(asked, stored);
    const key = objectKey(r.bucketName, upload.key);
    const check = async () => {
      if (r.header('if-none-match') === undefined && r.header('if-match') === undefined) return;
      const current = await this.objects.find(key);
      checkWriteConditions((n) => r.header(n), current && stateOf(current));
    };
    await check();
    const etag = `${createHash('md5').update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')))).digest('hex')}-${chosen.length}`;
    r.res.writeHead(200, { ...r.baseHeaders(), 'content-type': 'application/xml' });
    r.res.write('<?xml version="1.0" encoding="UTF-8"?>\n');
    const keepalive = setInterval(() => r.res.write(' '), KEEPALIVE_MS);
    try {
      await this.storage.storeStream(key, this.concatenate(chosen), {
        beforeCommit: async () => {
          await check();
          await this.uploads.get(upload.bucket, upload.uploadId, upload.key);
          return withContent(upload.objectMeta, etag);
        },
      });
      await this.buckets.confirmWrite(r.bucketName, () => this.objects.deleteKey(key));
      clearInterval(keepalive);
      // The upload is gone once the client hears it completed; its parts are deleted after.
      await this.uploads.forget(upload).catch(() => undefined);
      r.res.end(xmlDocument('CompleteMultipartUploadResult', { Location: `/${r.bucketName}/${upload.key}`, Bucket: r.bucketName, Key: upload.key, ETag: `"${etag}"` }).replace(/^<\?xml[^>]*>\n/, ''));
    } catch (err) {
      clearInterval(keepalive);
      const e = toS3Error(err, { key: upload.key });
      r.res.end(errorDocument(e.s3Code, e.message, `/${r.bucketName}/${upload.key}`, r.requestId).replace(/^<\?xml[^>]*>\n/, ''));
      return;
    }
    await this.uploads.discard(upload).catch(() => undefined);
  }

  private async *concatenate(parts: PartInfo[]): AsyncGenerator<Buffer> {
    for (const p of parts) {
      const m = await this.storage.manifest(p.manifestKey);
      yield* readFileRange(this.storage, m);
    }
  }
}

/** The stored parts a Complete names, checked: ascending, present, same ETag, all but the last >= 5 MiB. */
function checkParts(asked: Array<{ partNumber: number; etag: string }>, stored: Map<number, PartInfo>): PartInfo[] {
  asked.forEach((a, i) => {
    if (!Number.isInteger(a.partNumber) || (i > 0 && a.partNumber <= asked[i - 1].partNumber)) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
  });
  const chosen = asked.map((a) => {
    const p = stored.get(a.partNumber);
    if (!p || p.etag !== a.etag) throw new S3Error('InvalidPart', `One or more of the specified parts could not be found (part ${a.partNumber})`);
    return p;
  });
  chosen.forEach((p, i) => {
    if (i < chosen.length - 1 && p.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size (part ${p.partNumber} has ${p.size} bytes, at least ${MIN_PART_BYTES} needed)`);
    }
  });
  return chosen;
}
