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
import { CHECKSUM_ALGORITHMS, ChecksumAlgorithm, Checksums, ContentDigests, checksumName, compositeChecksum, isChecksumAlgorithm, newDigest } from './body/checksums';
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
    const checksum = uploadChecksum(r);
    const uploadId = await this.uploads.create(r.bucketName, r.objectKeyName, metaFromHeaders(r.req.headers), checksum);
    await this.buckets.confirmWrite(r.bucketName, () => this.objects.deleteKey(uploadKey(r.bucketName, uploadId)));
    const headers: Record<string, string> = checksum ? { 'x-amz-checksum-algorithm': checksumName(checksum.algorithm), 'x-amz-checksum-type': checksum.type } : {};
    r.sendXml(200, 'InitiateMultipartUploadResult', { Bucket: r.bucketName, Key: r.objectKeyName, UploadId: uploadId }, headers);
  }

  async uploadPart(r: S3Request): Promise<void> {
    const partNumber = partNumberOf(r);
    const upload = await this.upload(r);
    // The upload's checksum is computed for every part, sent by the client or not: Complete needs it.
    const body = objectBody(r.req, r.auth, undefined, upload.checksum ? [upload.checksum.algorithm] : []);
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
    const digests = new ContentDigests(upload.checksum ? [upload.checksum.algorithm] : []);
    const storage = this.storage;
    async function* content(): AsyncGenerator<Buffer> {
      for await (const piece of readFileRange(storage, source, range ? Number(range[1]) : 0, range ? Number(range[2]) : source.size - 1)) {
        digests.update(piece);
        yield piece;
      }
    }
    await this.uploads.storePart(upload, partNumber, content(), () => {
      const d = digests.digest();
      return { etag: d.md5Hex, extra: withContent({}, d.md5Hex, d.checksums) };
    });
    const d = digests.digest();
    r.sendXml(200, 'CopyPartResult', { ETag: `"${d.md5Hex}"`, LastModified: iso(Date.now()), ...checksumElements(d.checksums) });
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
      Part: parts.map((p) => ({ PartNumber: p.partNumber, LastModified: iso(p.lastModified), ETag: `"${p.etag}"`, Size: p.size, ...checksumElements(p.checksums) })),
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
    const asked = ((Array.isArray(doc.Part) ? doc.Part : []) as XmlNode[]).map((p) => ({
      partNumber: Number(text(p.PartNumber)),
      etag: (text(p.ETag) ?? '').trim().replace(/^"|"$/g, ''),
      checksums: Object.fromEntries(CHECKSUM_ALGORITHMS.flatMap((a) => (text(p[`Checksum${checksumName(a)}`]) ? [[a, text(p[`Checksum${checksumName(a)}`])!.trim()]] : []))) as Checksums,
    }));
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
    const summed = objectChecksum(upload, chosen, r);
    r.res.writeHead(200, { ...r.baseHeaders(), 'content-type': 'application/xml' });
    r.res.write('<?xml version="1.0" encoding="UTF-8"?>\n');
    const keepalive = setInterval(() => r.res.write(' '), KEEPALIVE_MS);
    try {
      await this.storage.storeStream(key, summed.watch(this.concatenate(chosen)), {
        beforeCommit: async () => {
          await check();
          await this.uploads.get(upload.bucket, upload.uploadId, upload.key);
          return { ...withContent(upload.objectMeta, etag, summed.value()), ...(upload.checksum ? { cy: upload.checksum.type } : {}) };
        },
      });
      await this.buckets.confirmWrite(r.bucketName, () => this.objects.deleteKey(key));
      clearInterval(keepalive);
      // The upload is gone once the client hears it completed; its parts are deleted after.
      await this.uploads.forget(upload).catch(() => undefined);
      const result = { Location: `/${r.bucketName}/${upload.key}`, Bucket: r.bucketName, Key: upload.key, ETag: `"${etag}"`, ...checksumElements(summed.value()), ...(upload.checksum ? { ChecksumType: upload.checksum.type } : {}) };
      r.res.end(xmlDocument('CompleteMultipartUploadResult', result).replace(/^<\?xml[^>]*>\n/, ''));
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
function checkParts(asked: Array<{ partNumber: number; etag: string; checksums: Checksums }>, stored: Map<number, PartInfo>): PartInfo[] {
  asked.forEach((a, i) => {
    if (!Number.isInteger(a.partNumber) || (i > 0 && a.partNumber <= asked[i - 1].partNumber)) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
  });
  const chosen = asked.map((a) => {
    const p = stored.get(a.partNumber);
    if (!p || p.etag !== a.etag) throw new S3Error('InvalidPart', `One or more of the specified parts could not be found (part ${a.partNumber})`);
    for (const [alg, value] of Object.entries(a.checksums)) {
      if (p.checksums[alg as ChecksumAlgorithm] !== value) throw new S3Error('InvalidPart', `One or more of the specified parts could not be found: the ${alg.toUpperCase()} of part ${a.partNumber} is not the one stored`);
    }
    return p;
  });
  chosen.forEach((p, i) => {
    if (i < chosen.length - 1 && p.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size (part ${p.partNumber} has ${p.size} bytes, at least ${MIN_PART_BYTES} needed)`);
    }
  });
  return chosen;
}

/** The x-amz-checksum-algorithm and -type a CreateMultipartUpload asks for (none: no object checksum). */
function uploadChecksum(r: S3Request): Upload['checksum'] {
  const algorithm = r.header('x-amz-checksum-algorithm')?.toLowerCase();
  const type = r.header('x-amz-checksum-type')?.toUpperCase();
  if (!algorithm) {
    if (type) throw new S3Error('InvalidRequest', 'x-amz-checksum-type needs x-amz-checksum-algorithm');
    return undefined;
  }
  if (algorithm === 'crc64nvme') return undefined; // Accepted and not kept: no CRC64 here yet (as for single PUTs).
  if (!isChecksumAlgorithm(algorithm)) throw new S3Error('InvalidRequest', `Checksum algorithm ${algorithm} is not supported`);
  if (type !== undefined && type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw new S3Error('InvalidRequest', 'x-amz-checksum-type must be COMPOSITE or FULL_OBJECT');
  if (type === 'FULL_OBJECT' && algorithm !== 'crc32' && algorithm !== 'crc32c') throw new S3Error('InvalidRequest', `The FULL_OBJECT checksum type is not supported for ${algorithm.toUpperCase()}`);
  return { algorithm, type: type ?? 'COMPOSITE' };
}

/**
 * The object checksum a Complete stores: COMPOSITE from the parts' stored checksums (every
 * part must have one), FULL_OBJECT computed over the content as it is assembled and checked
 * against an x-amz-checksum-<alg> header the Complete may carry.
 */
function objectChecksum(upload: Upload, chosen: PartInfo[], r: S3Request): { watch: (content: AsyncIterable<Buffer>) => AsyncIterable<Buffer>; value: () => Checksums } {
  const c = upload.checksum;
  if (!c) return { watch: (content) => content, value: () => ({}) };
  if (c.type === 'COMPOSITE') {
    const missing = chosen.find((p) => !p.checksums[c.algorithm]);
    if (missing) throw new S3Error('InvalidRequest', `The upload was created with a ${checksumName(c.algorithm)} checksum; part ${missing.partNumber} has none`);
    const value = compositeChecksum(c.algorithm, chosen.map((p) => p.checksums[c.algorithm]!));
    return { watch: (content) => content, value: () => ({ [c.algorithm]: value }) };
  }
  const digest = newDigest(c.algorithm);
  const declared = r.header(`x-amz-checksum-${c.algorithm}`);
  let value: string | undefined;
  return {
    async *watch(content) {
      for await (const piece of content) {
        digest.update(piece);
        yield piece;
      }
      value = digest.base64();
      if (declared !== undefined && declared !== value) throw new S3Error('BadDigest', `The ${checksumName(c.algorithm)} you specified did not match the calculated checksum`);
    },
    value: () => (value ? { [c.algorithm]: value } : {}),
  };
}

/** ChecksumCRC32 and the like, for the XML answers that carry checksums. */
function checksumElements(checksums: Checksums): XmlNode {
  return Object.fromEntries(Object.entries(checksums).filter(([, v]) => v).map(([a, v]) => [`Checksum${checksumName(a as ChecksumAlgorithm)}`, v]));
}
