/**
 * ListBuckets, ListObjectsV2, ListObjects (v1, which rclone and s3cmd use) and
 * ListObjectVersions (every object is its one version, `null`). The continuation token is the
 * base64url of the key the next page starts after; with `encoding-type=url` keys and prefixes
 * are percent-encoded as S3 does.
 */
import { Injectable } from '@nestjs/common';
import { KeyListingService } from '../storage/key-listing.service';
import { uriEncode } from './auth/canonical';
import { BucketService } from './bucket.service';
import { ObjectEntry, ObjectPage, listObjects, resumePoint } from './object-listing';
import { etagOf } from './object-meta';
import { S3Error } from './s3.errors';
import { S3Request } from './s3-request';
import { XmlNode } from './xml';

export const OWNER = { ID: 'p2p-storage', DisplayName: 'p2p-storage' };

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function maxKeysOf(r: S3Request): number {
  const raw = r.param('max-keys') ?? r.param('max-uploads') ?? r.param('max-parts');
  if (raw === undefined || raw === '') return 1000;
  if (!/^\d+$/.test(raw)) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer');
  return Math.min(1000, Number(raw));
}

function encoder(r: S3Request): (s: string) => string {
  const type = r.param('encoding-type');
  if (type !== undefined && type !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
  return type === 'url' ? (s) => uriEncode(s, true) : (s) => s;
}

@Injectable()
export class ListingHandlers {
  constructor(
    private readonly listing: KeyListingService,
    private readonly buckets: BucketService,
  ) {}

  async listBuckets(r: S3Request): Promise<void> {
    const buckets = await this.buckets.list();
    r.sendXml(200, 'ListAllMyBucketsResult', {
      Owner: OWNER,
      Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: iso(b.createdAt) })) },
    });
  }

  async listV2(r: S3Request): Promise<void> {
    const token = r.param('continuation-token');
    const startAfter = r.param('start-after') ?? '';
    const { head, page, enc } = await this.page(r, (prefix, delimiter) => (token !== undefined ? decodeToken(token) : resumePoint(startAfter, prefix, delimiter)));
    r.sendXml(200, 'ListBucketResult', {
      ...head,
      KeyCount: page.objects.length + page.prefixes.length,
      IsTruncated: page.truncated,
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(page.truncated && page.resumeAfter !== undefined ? { NextContinuationToken: encodeToken(page.resumeAfter) } : {}),
      ...(startAfter ? { StartAfter: enc(startAfter) } : {}),
      ...contents(page, enc, r.param('fetch-owner') === 'true'),
    });
  }

  async listV1(r: S3Request): Promise<void> {
    const marker = r.param('marker') ?? '';
    const { head, page, enc } = await this.page(r, (prefix, delimiter) => resumePoint(marker, prefix, delimiter));
    r.sendXml(200, 'ListBucketResult', {
      ...head,
      Marker: enc(marker),
      ...(page.truncated && page.last !== undefined ? { NextMarker: enc(page.last) } : {}),
      IsTruncated: page.truncated,
      ...contents(page, enc, true),
    });
  }

  async listVersions(r: S3Request): Promise<void> {
    const marker = r.param('key-marker') ?? '';
    const { head, page, enc } = await this.page(r, (prefix, delimiter) => resumePoint(marker, prefix, delimiter));
    r.sendXml(200, 'ListVersionsResult', {
      ...head,
      KeyMarker: enc(marker),
      VersionIdMarker: r.param('version-id-marker') ?? '',
      ...(page.truncated && page.last !== undefined ? { NextKeyMarker: enc(page.last), NextVersionIdMarker: 'null' } : {}),
      IsTruncated: page.truncated,
      Version: page.objects.map((o) => ({ Key: enc(o.key), VersionId: 'null', IsLatest: true, ...objectFields(o), Owner: OWNER, StorageClass: 'STANDARD' })),
      CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
    });
  }

  /**
   * What the three object listings share: the bucket check, prefix, delimiter, max-keys and
   * encoding-type, one page from where `start` says the listing resumes, and the elements
   * every answer opens with (Name, Prefix, Delimiter, MaxKeys, EncodingType).
   */
  private async page(r: S3Request, start: (prefix: string, delimiter: string) => string): Promise<{ head: XmlNode; page: ObjectPage; enc: (s: string) => string }> {
    await this.buckets.require(r.bucketName);
    const enc = encoder(r);
    const prefix = r.param('prefix') ?? '';
    const delimiter = r.param('delimiter') ?? '';
    const maxKeys = maxKeysOf(r);
    const after = start(prefix, delimiter);
    const page = await listObjects(this.listing, { bucket: r.bucketName, prefix, delimiter, after, maxKeys });
    const head: XmlNode = {
      Name: r.bucketName,
      Prefix: enc(prefix),
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      MaxKeys: maxKeys,
      ...(r.param('encoding-type') ? { EncodingType: 'url' } : {}),
    };
    return { head, page, enc };
  }
}

/** LastModified, ETag and Size of a listed object (Contents and Version elements). */
function objectFields(o: ObjectEntry): XmlNode {
  return { LastModified: iso(o.file.createdAt), ETag: etagOf(o.file.meta, o.file.contentHash), Size: o.file.size };
}

function contents(page: ObjectPage, enc: (s: string) => string, owner: boolean): XmlNode {
  return {
    Contents: page.objects.map((o) => ({
      Key: enc(o.key),
      ...objectFields(o),
      ...(owner ? { Owner: OWNER } : {}),
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  };
}

export function encodeToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  const after = Buffer.from(token, 'base64url').toString('utf8');
  if (!token || encodeToken(after) !== token) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect');
  return after;
}
