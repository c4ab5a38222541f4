import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { TcpPeerContext } from '../transport/tcp-transport.server';
import { RpcErrorPassthroughFilter } from '../transport/rpc-error.filter';
import { KeyListingPatterns, KeyListingService } from './key-listing.service';
import { StorageProtocolError } from './storage-protocol.errors';

/** Answers another member's request for a page of the keys this node holds. */
@Controller()
@UseFilters(RpcErrorPassthroughFilter)
export class KeyListingController {
  constructor(private readonly listing: KeyListingService) {}

  @MessagePattern(KeyListingPatterns.page)
  page(@Payload() msg: unknown, @Ctx() ctx: TcpPeerContext) {
    if (ctx.peer.role !== 'peer') throw new StorageProtocolError('key pages are for cluster members only');
    return this.listing.localPage(msg as never);
  }
}
