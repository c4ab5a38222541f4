import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { TcpPeerContext } from '../transport/tcp-transport.server';
import { RpcErrorPassthroughFilter } from '../transport/rpc-error.filter';
import { MembershipService, SWIM_PATTERN } from './membership.service';

/** SWIM messages from other nodes: fire-and-forget events, validated by the core's parser. */
@Controller()
@UseFilters(RpcErrorPassthroughFilter)
export class GossipController {
  constructor(private readonly membership: MembershipService) {}

  @EventPattern(SWIM_PATTERN)
  swim(@Payload() message: unknown, @Ctx() ctx: unknown): void {
    // EventPattern's typing only allows `unknown` context parameters.
    this.membership.onMessage(message, (ctx as TcpPeerContext).peer);
  }
}
