import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { TcpPeerContext } from '../transport/tcp-transport.server';
import { RpcErrorPassthroughFilter } from '../transport/rpc-error.filter';
import { MembershipService } from './membership.service';

/** Gossip messages from other nodes. */
@Controller()
@UseFilters(RpcErrorPassthroughFilter)
export class GossipController {
  constructor(private readonly membership: MembershipService) {}

  @MessagePattern('gossip.exchange')
  exchange(@Payload() message: unknown, @Ctx() ctx: TcpPeerContext) {
    return this.membership.onExchange(message, ctx.peer);
  }

  @EventPattern('gossip.leave')
  leave(@Payload() message: unknown, @Ctx() ctx: unknown): void {
    // EventPattern's typing only allows `unknown` context parameters.
    this.membership.onLeave((ctx as TcpPeerContext).peer, message);
  }
}
