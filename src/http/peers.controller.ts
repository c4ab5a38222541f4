import { Controller, Get, UseGuards } from '@nestjs/common';
import { MembershipService } from '../gossip/membership.service';
import { ApiTokenGuard } from './api-token.guard';

/** GET /v1/peers: the same array as `p2p peers --json`, from the live member list. */
@Controller('v1/peers')
@UseGuards(ApiTokenGuard)
export class PeersController {
  constructor(private readonly membership: MembershipService) {}

  @Get()
  list() {
    return this.membership.list().map((m) => ({
      nodeId: m.nodeId,
      address: m.address,
      status: m.status,
      incarnation: m.incarnation,
      lastSeen: new Date(m.lastSeen).toISOString(),
    }));
  }
}
