/**
 * Multipart uploads, kept in the cluster like everything else (key-mapping.ts): an upload is
 * an empty file `s3.uploads/<bucket>/<id>` whose metadata names the object key, the start
 * time, the object's metadata-to-be and the checksum asked for (`ca` algorithm, `cy` type);
 * each part is a file `s3.parts/<id>/<n>` with its MD5 and checksums in its metadata. A part uploaded again is simply a newer version of its file. Parts survive
 * the loss of the node a client talks to, so a client can resume through any node.
 *
 * Completing streams the parts, in order, into one new store under the object's key (its
 * placement differs from the parts'), then deletes the parts and the upload. Uploads not
 * completed or aborted and idle (no part) for --s3-upload-expiry (default 24 h) are aborted by
 * a sweep that every node runs once an hour (or a quarter of the expiry, if shorter).
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { describeError } from '../common/errors';
import type { FileManifest } from '../peer-repository/file.repository';
import { FileNotFoundError } from '../storage/storage.errors';
import { StorageService } from '../storage/storage.service';
import { KeyListingService } from '../storage/key-listing.service';
import type { ListedFile } from '../storage/key-listing';
import type { FileMeta } from '../storage/file-meta';
import { CHECKSUM_ALGORITHMS, ChecksumAlgorithm, ChecksumType, Checksums, isChecksumAlgorithm } from './body/checksums';
import { PART_ROOT, UPLOAD_ROOT, partKey, partPrefix, uploadKey, uploadPrefix } from './key-mapping';
import { S3Error } from './s3.errors';

export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;
const SWEEP_EVERY_MS = 60 * 60_000;

export interface Upload {
  bucket: string;
  uploadId: string;
  key: string;
  initiated: number;
  objectMeta: FileMeta;
  /** The checksum CreateMultipartUpload asked for (x-amz-checksum-algorithm and -type). */
  checksum?: { algorithm: ChecksumAlgorithm; type: ChecksumType };
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: number;
  manifestKey: string;
  checksums: Checksums;
}

@Injectable()
export class MultipartService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('S3');
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly storage: StorageService,
    private readonly listing: KeyListingService,
  ) {}

  onModuleInit(): void {
    const every = Math.min(SWEEP_EVERY_MS, Math.max(1000, this.config.s3.uploadExpiryMs / 4));
    this.sweeper = setInterval(() => void this.sweep().catch((err) => this.logger.warn(`upload sweep failed: ${describeError(err)}`)), every);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async create(bucket: string, key: string, objectMeta: FileMeta, checksum?: Upload['checksum']): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    const meta: FileMeta = { k: key, i: String(Date.now()), m: JSON.stringify(objectMeta), ...(checksum ? { ca: checksum.algorithm, cy: checksum.type } : {}) };
    await this.storage.storeStream(uploadKey(bucket, uploadId), empty(), { beforeCommit: () => meta });
    return uploadId;
  }

  async get(bucket: string, uploadId: string, key?: string): Promise<Upload> {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload();
    let m: FileManifest;
    try {
      m = await this.storage.manifest(uploadKey(bucket, uploadId));
    } catch (err) {
      if (err instanceof FileNotFoundError) throw noSuchUpload();
      throw err;
    }
    const upload = toUpload(bucket, uploadId, m.meta);
    if (key !== undefined && upload.key !== key) throw noSuchUpload();
    return upload;
  }

  async storePart(upload: Upload, partNumber: number, content: AsyncIterable<Buffer>, etagOf: () => { etag: string; extra?: FileMeta }): Promise<void> {
    await this.storage.storeStream(partKey(upload.uploadId, partNumber), content, {
      beforeCommit: async () => {
        // An upload aborted or completed meanwhile takes no more parts.
        await this.get(upload.bucket, upload.uploadId, upload.key);
        const { etag, extra } = etagOf();
        return { ...extra, etag };
      },
    });
  }

  /** The upload's parts in order, `after` a part number, at most `limit`. */
  async parts(uploadId: string, after = 0, limit = MAX_PART_NUMBER): Promise<{ parts: PartInfo[]; truncated: boolean }> {
    const out: PartInfo[] = [];
    let from = after > 0 ? partKey(uploadId, after) : '';
    for (;;) {
      const page = await this.listing.list({ prefix: partPrefix(uploadId), after: from, limit: 1000 });
      for (const f of page.files) {
        if (out.length === limit) return { parts: out, truncated: true };
        out.push(partInfo(uploadId, f));
      }
      if (!page.next) return { parts: out, truncated: false };
      from = page.next;
    }
  }

  async uploads(bucket: string): Promise<Upload[]> {
    const out: Upload[] = [];
    await this.eachFile(uploadPrefix(bucket), (f) => void out.push(toUpload(bucket, f.key.slice(uploadPrefix(bucket).length), f.meta)));
    return out;
  }

  /** Deletes the parts and then the upload itself. */
  async discard(upload: Upload): Promise<void> {
    const { parts } = await this.parts(upload.uploadId);
    for (const p of parts) await this.deleteQuietly(p.manifestKey);
    await this.forget(upload);
  }

  /** Deletes the upload's record only: it takes no more parts; the sweep removes orphan parts. */
  forget(upload: Upload): Promise<void> {
    return this.deleteQuietly(uploadKey(upload.bucket, upload.uploadId));
  }

  /**
   * Aborts every upload idle for longer than --s3-upload-expiry (nothing new since it began or
   * since its last part arrived: an upload that keeps taking parts is never cut, however long
   * it runs), and parts that old whose upload is gone.
   */
  async sweep(now = Date.now()): Promise<number> {
    const cutoff = now - this.config.s3.uploadExpiryMs;
    // One listing of the parts serves both questions: when each upload last took a part, and
    // which old parts belong to no live upload.
    const parts: Array<{ key: string; uploadId: string; createdAt: number }> = [];
    const lastPartAt = new Map<string, number>();
    await this.eachFile(PART_ROOT, (f) => {
      const uploadId = uploadOfPart(f.key);
      parts.push({ key: f.key, uploadId, createdAt: f.createdAt });
      lastPartAt.set(uploadId, Math.max(lastPartAt.get(uploadId) ?? 0, f.createdAt));
    });
    const live = new Set<string>();
    const discarded = new Set<string>();
    let swept = 0;
    await this.eachFile(UPLOAD_ROOT, async (f) => {
      const rest = f.key.slice(UPLOAD_ROOT.length);
      const slash = rest.indexOf('/');
      const upload = toUpload(rest.slice(0, slash), rest.slice(slash + 1), f.meta);
      if (Math.max(upload.initiated, lastPartAt.get(upload.uploadId) ?? 0) >= cutoff) return void live.add(upload.uploadId);
      await this.discard(upload);
      discarded.add(upload.uploadId);
      swept += 1;
    });
    // Parts stored after their upload was aborted (a race with the abort) go too (those of an
    // upload discarded just now went with it).
    for (const part of parts) if (part.createdAt < cutoff && !live.has(part.uploadId) && !discarded.has(part.uploadId)) await this.deleteQuietly(part.key);
    if (swept) this.logger.log(`aborted ${swept} multipart upload(s) idle for longer than --s3-upload-expiry`);
    return swept;
  }

  /** Calls `visit` for every file the cluster lists under `prefix`, a page at a time. */
  private async eachFile(prefix: string, visit: (f: ListedFile) => void | Promise<void>): Promise<void> {
    let after = '';
    for (;;) {
      const page = await this.listing.list({ prefix, after, limit: 1000 });
      for (const f of page.files) await visit(f);
      if (!page.next) return;
      after = page.next;
    }
  }

  private async deleteQuietly(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (err) {
      if (!(err instanceof FileNotFoundError)) throw err;
    }
  }
}

/** The upload id in a part's key (`s3.parts/<id>/<n>`). */
function uploadOfPart(key: string): string {
  return key.slice(PART_ROOT.length, key.indexOf('/', PART_ROOT.length));
}

function partInfo(uploadId: string, f: ListedFile): PartInfo {
  const checksums: Checksums = {};
  for (const a of CHECKSUM_ALGORITHMS) if (f.meta?.[`ck:${a}`]) checksums[a] = f.meta[`ck:${a}`];
  return { partNumber: Number(f.key.slice(partPrefix(uploadId).length)), etag: f.meta?.etag ?? '', size: f.size, lastModified: f.createdAt, manifestKey: f.key, checksums };
}

function toUpload(bucket: string, uploadId: string, meta: FileMeta | undefined): Upload {
  let objectMeta: FileMeta = {};
  try {
    objectMeta = JSON.parse(meta?.m ?? '{}') as FileMeta;
  } catch {
    // An unreadable record keeps no metadata rather than failing the upload.
  }
  const algorithm = meta?.ca;
  const checksum = algorithm && isChecksumAlgorithm(algorithm) ? { algorithm, type: meta?.cy === 'FULL_OBJECT' ? ('FULL_OBJECT' as const) : ('COMPOSITE' as const) } : undefined;
  return { bucket, uploadId, key: meta?.k ?? '', initiated: Number(meta?.i ?? 0), objectMeta, ...(checksum ? { checksum } : {}) };
}

function noSuchUpload(): S3Error {
  return new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
}

async function* empty(): AsyncGenerator<Buffer> {
  // Upload records carry only metadata.
}
