import { Module } from '@nestjs/common';
import { GossipModule } from '../gossip/gossip.module';
import { StorageModule } from '../storage/storage.module';
import { NodeStatusModule } from '../node/node-status.module';
import { HealthController } from './health.controller';
import { FilesController } from './files.controller';
import { PeersController } from './peers.controller';
import { MetricsController } from './metrics.controller';

/** The HTTP side of a node (--http): health, metrics and the REST API. */
@Module({
  imports: [GossipModule, StorageModule, NodeStatusModule],
  controllers: [HealthController, MetricsController, FilesController, PeersController],
})
export class HttpApiModule {}
