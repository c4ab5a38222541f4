import { Global, Module } from '@nestjs/common';
import { GossipModule } from '../gossip/gossip.module';
import { NodeStatus } from './node-status';
import { ReadinessService } from './readiness.service';

@Global()
@Module({ imports: [GossipModule], providers: [NodeStatus, ReadinessService], exports: [NodeStatus, ReadinessService] })
export class NodeStatusModule {}
