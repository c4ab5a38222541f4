import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { GossipModule } from '../gossip/gossip.module';
import { TransportModule } from '../transport/transport.module';
import { NodeIdentity } from '../transport/node-identity';
import { ChunkStore } from './chunk-store';
import { LocalReplica } from './local-replica';
import { ReplicaRouter } from './replica-router';
import { StorageController } from './storage.controller';
import { SyncBatchController } from './sync-batch.controller';
import { StorageService } from './storage.service';
import { VersionClock } from './version';
import { AntiEntropyService } from './anti-entropy.service';
import { RepairThrottle } from './repair-throttle';
import { ScrubService } from './scrub.service';
import { InspectService } from './inspect.service';
import { QuarantineService } from './quarantine.service';
import { KeyListingService } from './key-listing.service';
import { KeyListingController } from './key-listing.controller';
import { TombstoneSettler } from './tombstone-settler';
import { AbortSettler } from './abort-settler';
import { SyncTransfer } from './sync-transfer';

@Module({
  imports: [TransportModule, GossipModule],
  controllers: [StorageController, SyncBatchController, KeyListingController],
  providers: [
    {
      provide: ChunkStore,
      inject: [NODE_CONFIG],
      useFactory: async (config: NodeConfig) => {
        const store = new ChunkStore(path.join(config.dataDir, 'blobs'));
        await store.init();
        return store;
      },
    },
    { provide: VersionClock, inject: [NodeIdentity], useFactory: (identity: NodeIdentity) => new VersionClock(identity.nodeId) },
    LocalReplica,
    ReplicaRouter,
    StorageService,
    { provide: RepairThrottle, inject: [NODE_CONFIG], useFactory: (config: NodeConfig) => new RepairThrottle(config.repairBandwidth) },
    AntiEntropyService,
    ScrubService,
    InspectService,
    QuarantineService,
    KeyListingService,
    TombstoneSettler,
    AbortSettler,
    SyncTransfer,
  ],
  exports: [StorageService, LocalReplica, AntiEntropyService, ScrubService, QuarantineService, KeyListingService],
})
export class StorageModule {}
