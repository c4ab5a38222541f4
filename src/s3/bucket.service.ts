/**
 * Buckets. A bucket is a small file of the cluster, `s3.buckets/<name>` (see key-mapping.ts),
 * with its creation time in the file's metadata: it is replicated, repaired and deleted with
 * tombstones like any file, so every node agrees on which buckets exist without a bucket
 * table of its own. Existence is checked on every request (see require): from memory for
 * EXISTS_TTL_MS after it was last seen, then from this node's own copy when it holds one
 * (no network), else from the cluster.
 *
 * A write into a bucket racing its deletion must not leave an object in a deleted bucket:
 *  - DeleteBucket first marks the bucket `deleting` (a new version of its file), then checks
 *    that no object and no multipart upload is left under it, then deletes it (or, when
 *    something is left, removes the mark and answers BucketNotEmpty);
 *  - a write, once acknowledged by storage, reads the bucket again from the cluster
 *    (confirmWrite): live, it is done; gone, it deletes what it wrote and answers
 *    NoSuchBucket; marked, it waits for the delete to settle one way or the other.
 * A write whose check sees no mark was committed before the mark, so the delete's emptiness
 * check (a listing, which shows every acknowledged store) finds it. A mark older than
 * DELETING_MS belongs to a delete that never finished and counts as no mark.
 */
import { Injectable } from '@nestjs/common';
import type { FileManifest } from '../peer-repository/file.repository';
import type { FileMeta } from '../storage/file-meta';
import { FileNotFoundError } from '../storage/storage.errors';
import { StorageService } from '../storage/storage.service';
import { KeyListingService } from '../storage/key-listing.service';
import { LocalReplica } from '../storage/local-replica';
import { compareVersions } from '../storage/version';
import { BUCKET_ROOT, bucketKey, checkBucketName, objectPrefix, uploadPrefix } from './key-mapping';
import { S3Error } from './s3.errors';

const EXISTS_TTL_MS = 2_000;
/** How long a DeleteBucket's mark holds writes back; a delete taking longer gives up. */
const DELETING_MS = 15_000;
const SETTLE_POLL_MS = 100;

type BucketState = 'live' | 'deleting' | 'gone';

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
    await this.write(name, { created: String(Date.now()) });
    this.known.set(name, Date.now());
  }

  /**
   * NoSuchBucket unless the bucket exists. A bucket seen to exist is taken to exist for
   * EXISTS_TTL_MS without looking again (the object request it guards costs no SQLite query
   * for it); past that, this node's own copy answers when it has one, else the cluster. A
   * bucket deleted through another node may so pass here for up to EXISTS_TTL_MS: it was empty
   * when deleted, so reads find no object in it, and writes check it again (confirmWrite).
   */
  async require(name: string): Promise<void> {
    checkBucketName(name);
    const seen = this.known.get(name);
    if (seen !== undefined && Date.now() - seen < EXISTS_TTL_MS) return;
    const here = await this.local.report(bucketKey(name));
    const deletedHere = here.tombstone && (!here.manifest || compareVersions(here.tombstone.version, here.manifest.version) >= 0);
    if (!(here.manifest && !deletedHere) && !(await this.lookup(name))) {
      this.known.delete(name);
      throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${name}`);
    }
    this.known.set(name, Date.now());
  }

  /** NoSuchBucket unless the cluster has the bucket now (no cache: HeadBucket answers from this). */
  async requireNow(name: string): Promise<void> {
    if (!(await this.lookup(name))) {
      this.known.delete(name);
      throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${name}`);
    }
    this.known.set(name, Date.now());
  }

  async remove(name: string): Promise<void> {
    const bucket = await this.current(checkBucketName(name));
    if (!bucket) throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${name}`);
    const created = bucket.meta?.created ?? String(bucket.createdAt);
    const markedAt = Date.now();
    await this.write(name, { created, deleting: String(markedAt) });
    let empty: boolean;
    try {
      const [objects, uploads] = await Promise.all([this.listing.hasAny(objectPrefix(name)), this.listing.hasAny(uploadPrefix(name))]);
      empty = !objects && !uploads;
    } catch (err) {
      await this.write(name, { created }).catch(() => undefined);
      throw err;
    }
    if (!empty || Date.now() - markedAt > DELETING_MS / 2) {
      // Left as it was; a mark held too long may have been taken for an abandoned one.
      await this.write(name, { created });
      if (!empty) throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty');
      throw new S3Error('OperationAborted', 'A conflicting operation is in progress against this bucket; try again');
    }
    this.known.delete(name);
    await this.storage.delete(bucketKey(name));
  }

  /**
   * Called after a write into the bucket was acknowledged: answers only once the bucket is
   * known to still exist. When it was deleted meanwhile, `undo` removes what was written and
   * the write fails with NoSuchBucket (see the top of this file).
   */
  async confirmWrite(name: string, undo: () => Promise<void>): Promise<void> {
    for (;;) {
      const state = await this.state(name);
      if (state === 'live') return;
      if (state === 'gone') {
        this.known.delete(name);
        await undo();
        throw new S3Error('NoSuchBucket', `The specified bucket does not exist: ${name}`);
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
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
    return (await this.current(name)) !== undefined;
  }

  /** The bucket's file as the cluster has it now (no cache), or undefined when there is none. */
  private async current(name: string): Promise<FileManifest | undefined> {
    try {
      return await this.storage.manifest(bucketKey(checkBucketName(name)));
    } catch (err) {
      if (err instanceof FileNotFoundError) return undefined;
      throw err;
    }
  }

  private async state(name: string): Promise<BucketState> {
    const m = await this.current(name);
    if (!m) return 'gone';
    const marked = Number(m.meta?.deleting ?? NaN);
    return Date.now() - marked < DELETING_MS ? 'deleting' : 'live';
  }

  private async write(name: string, meta: FileMeta): Promise<void> {
    await this.storage.storeStream(bucketKey(name), emptyBody(), { beforeCommit: () => meta });
  }
}

async function* emptyBody(): AsyncGenerator<Buffer> {
  // A bucket's file has no content: its metadata is all there is.
}
