/**
 * Bucket operations and the bucket-level probes clients make: CreateBucket, HeadBucket,
 * DeleteBucket, GetBucketLocation, GetBucketVersioning (never enabled) and the ACL reads,
 * answered with the one owner having FULL_CONTROL (there are no ACLs here: access is by key).
 */
import { Injectable } from '@nestjs/common';
import { BucketService } from './bucket.service';
import { OWNER } from './listing.handlers';
import { S3Request } from './s3-request';
import { readSmallBody } from './xml';

@Injectable()
export class BucketHandlers {
  constructor(private readonly buckets: BucketService) {}

  async create(r: S3Request): Promise<void> {
    r.continueBody();
    // A CreateBucketConfiguration (LocationConstraint) may come along: any region is this cluster.
    await readSmallBody(r.req);
    await this.buckets.create(r.bucketName);
    r.sendEmpty(200, { location: `/${r.bucketName}` });
  }

  async head(r: S3Request): Promise<void> {
    await this.buckets.requireNow(r.bucketName);
    r.sendEmpty(200, { 'x-amz-bucket-region': 'us-east-1' });
  }

  async delete(r: S3Request): Promise<void> {
    await this.buckets.remove(r.bucketName);
    r.sendEmpty(204);
  }

  async location(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    r.sendXml(200, 'LocationConstraint', {});
  }

  async versioning(r: S3Request): Promise<void> {
    await this.buckets.require(r.bucketName);
    r.sendXml(200, 'VersioningConfiguration', {});
  }

  /** GetBucketAcl and GetObjectAcl. */
  async acl(r: S3Request, check: () => Promise<unknown> = () => this.buckets.require(r.bucketName)): Promise<void> {
    await check();
    r.sendXml(200, 'AccessControlPolicy', {
      Owner: OWNER,
      AccessControlList: {
        Grant: {
          Grantee: { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', '@_xsi:type': 'CanonicalUser', ...OWNER },
          Permission: 'FULL_CONTROL',
        },
      },
    });
  }
}
