import { Global, Module } from '@nestjs/common';
import { NodeStatus } from './node-status';

@Global()
@Module({ providers: [NodeStatus], exports: [NodeStatus] })
export class NodeStatusModule {}
