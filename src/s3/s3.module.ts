import { Module } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { StorageModule } from '../storage/storage.module';
import { AccessKeyStore, parseKeyList } from './auth/access-keys';
import { SigV4Verifier } from './auth/sigv4-verifier';
import { BucketHandlers } from './bucket.handlers';
import { BucketService } from './bucket.service';
import { CopyHandlers } from './copy.handlers';
import { ListingHandlers } from './listing.handlers';
import { MultipartHandlers } from './multipart.handlers';
import { MultipartService } from './multipart.service';
import { ObjectHandlers } from './object.handlers';
import { S3Router } from './s3-router';
import { S3Server } from './s3-server';

/** The S3 endpoint (--s3): a client of StorageModule, which knows nothing of it. */
@Module({
  imports: [StorageModule],
  providers: [
    {
      provide: AccessKeyStore,
      inject: [NODE_CONFIG],
      useFactory: (config: NodeConfig) => new AccessKeyStore(parseKeyList(config.s3.keys ?? '', '--s3-keys'), config.s3.keysFile),
    },
    { provide: SigV4Verifier, inject: [AccessKeyStore], useFactory: (keys: AccessKeyStore) => new SigV4Verifier(keys) },
    BucketService,
    BucketHandlers,
    ObjectHandlers,
    CopyHandlers,
    ListingHandlers,
    MultipartService,
    MultipartHandlers,
    S3Router,
    S3Server,
  ],
  exports: [S3Server],
})
export class S3Module {}
