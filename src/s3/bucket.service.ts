/**
 * Buckets. A bucket is a small file of the cluster, `s3.buckets/<name>` (see key-mapping.ts),
 * with its creation time in the file's metadata: it is replicated, repaired and deleted with
 * tombstones like any file, so every node agrees on which buckets exist without a bucket
 * table of its own. Existence is checked on every object request: from this node's own copy
 * when it holds one (no network), else from the cluster, the answer then kept for a few
 * seconds. A delete's tombstone reaches every alive member before DeleteBucket returns, so a
 * node that sees one locally stops using its cached answer at once. Deleting checks that no
 * object and no multipart upload is left under the bucket.
 */
import { Injectable } from '@nestjs/common';
import { FileNotFoundError } from '../storage/storage.errors';
import { StorageService } from '../storage/storage.service';
import { KeyListingService } from '../storage/key-listing.service';
import { LocalReplica } from '../storage/local-replica';
import { compareVersions } from '../storage/version';
import { BUCKET_ROOT, bucketKey, checkBucketName, objectPrefix, uploadPrefix } from './key-mapping';
import { S3Error } from './s3.errors';

const EXISTS_TTL_MS = 5_000;

export interface BucketInfo {
  name: string;
  createdAt: number;
}

@Injectable()
export class BucketService {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly storage: StorageService,
    private readonly listing: KeyListingService,
    private readonly local: LocalReplica,
  ) {}

  async create(name: string): Promise<void> {
    checkBucketName(name);
    if (await this.lookup(name)) throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it');
    await this.storage.storeStream(bucketKey(name), emptyBody(), { beforeCommit: () => ({ created: String(Date.now()) }) });
    this.known.set(name, Date.now());
  }

  /** NoSuchBucket unless the bucket exists (cached for a few seconds). */
  async require(name: string): Promise<void> {
    const here = await this.local.report(bucketKey(checkBucketName(name)));
    const deletedHere = here.tombstone && (!here.manifest || compareVersions(here.tombstone.version, here.manifest.version) >= 0);
    if (here.manifest && !deletedHere) return;
    const seen = this.known.get(name);
    if (!deletedHere && seen !== undefined && Date.now() - seen < EXISTS_TTL_MS) return;
    if (!(await this.lookup(name))) throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${name}`);
    this.known.set(name, Date.now());
  }

  async remove(name: string): Promise<void> {
    await this.require(name);
    const [objects, uploads] = await Promise.all([
      this.listing.list({ prefix: objectPrefix(name), after: '', limit: 1 }),
      this.listing.list({ prefix: uploadPrefix(name), after: '', limit: 1 }),
    ]);
    if (objects.files.length || uploads.files.length) throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty');
    this.known.delete(name);
    await this.storage.delete(bucketKey(name));
  }

  async list(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [];
    let after = '';
    for (;;) {
      const page = await this.listing.list({ prefix: BUCKET_ROOT, after, limit: 1000 });
      for (const f of page.files) out.push({ name: f.key.slice(BUCKET_ROOT.length), createdAt: Number(f.meta?.created ?? f.createdAt) });
      if (!page.next) return out;
      after = page.next;
    }
  }

  private async lookup(name: string): Promise<boolean> {
    try {
      await this.storage.manifest(bucketKey(checkBucketName(name)));
      return true;
    } catch (err) {
      if (err instanceof FileNotFoundError) return false;
      throw err;
    }
  }
}

async function* emptyBody(): AsyncGenerator<Buffer> {
  // A bucket's file has no content: its metadata is all there is.
}
