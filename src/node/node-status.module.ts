import { Global, Module } from '@nestjs/common';
import { GossipModule } from '../gossip/gossip.module';
import { IdleGc } from './idle-gc';
import { NodeStatus } from './node-status';
import { ReadinessService } from './readiness.service';

@Global()
@Module({ imports: [GossipModule], providers: [NodeStatus, ReadinessService, IdleGc], exports: [NodeStatus, ReadinessService] })
export class NodeStatusModule {}
