import { DynamicModule, Global, Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ConfigModule } from './config/config.module';
import type { NodeConfig } from './config/node-config';
import { GossipModule } from './gossip/gossip.module';
import { HttpApiModule } from './http/http.module';
import { NodeStatusModule } from './node/node-status.module';
import { NodeIdentityModule } from './node/node-identity.module';
import { transportObserverProvider } from './node/transport-observer.provider';
import { PeerRepositoryModule } from './peer-repository/peer-repository.module';
import { StorageModule } from './storage/storage.module';
import { TRANSPORT_OBSERVER } from './transport/transport-observer';
import { MetricsModule } from './metrics/metrics.module';
import { S3Module } from './s3/s3.module';

@Global()
@Module({ providers: [transportObserverProvider], exports: [TRANSPORT_OBSERVER] })
class ObserverModule {}

/** The root module of `p2p serve`: every feature module of a node. */
@Module({})
export class NodeModule {
  static register(config: NodeConfig, dataSource: DataSource): DynamicModule {
    return {
      module: NodeModule,
      imports: [
        ConfigModule.forConfig(config),
        MetricsModule,
        PeerRepositoryModule.forRoot(dataSource),
        NodeStatusModule,
        ObserverModule,
        NodeIdentityModule,
        GossipModule,
        StorageModule,
        HttpApiModule,
        S3Module,
      ],
    };
  }
}
