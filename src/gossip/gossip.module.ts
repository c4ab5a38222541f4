import { Module } from '@nestjs/common';
import { TransportModule } from '../transport/transport.module';
import { GossipController } from './gossip.controller';
import { MembershipService } from './membership.service';

@Module({
  imports: [TransportModule],
  controllers: [GossipController],
  providers: [MembershipService],
  exports: [MembershipService],
})
export class GossipModule {}
