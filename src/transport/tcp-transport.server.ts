/**
 * The node's side of the wire as a Nest microservice strategy: controllers declare
 * `@MessagePattern('storage.chunk.put')` / `@EventPattern('gossip.swim')` and this server
 * routes decoded frames to them. Handlers receive `(data, TcpPeerContext)`; the context names
 * the authenticated peer (node id, advertise address, role).
 */
import * as net from 'node:net';
import { BaseRpcContext, CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { InboundHandler, PeerConnection, ConnectionLimits, DEFAULT_LIMITS, joinHostPort } from './peer-connection';
import { LocalIdentity, RemotePeer } from './handshake/handshake';
import { UnknownPatternError } from './transport.errors';
import { TransportObserver, noopObserver } from './transport-observer';

export class TcpPeerContext extends BaseRpcContext<[RemotePeer]> {
  get peer(): RemotePeer {
    return this.getArgByIndex(0);
  }
}

export interface TcpTransportServerOptions {
  host: string;
  port: number;
  /** Read lazily: the node id and advertise address are known only after the database opened. */
  identity: () => LocalIdentity;
  observer?: TransportObserver;
  limits?: ConnectionLimits;
  /** Called once the socket is bound, with the actual port (port 0 binds a free one). */
  onListening?: (address: string, port: number) => void;
}

export class TcpTransportServer extends Server implements CustomTransportStrategy {
  private server: net.Server | undefined;
  private readonly connections = new Set<PeerConnection>();
  private readonly observer: TransportObserver;
  private readonly inbound: InboundHandler;

  constructor(private readonly options: TcpTransportServerOptions) {
    super();
    this.observer = options.observer ?? noopObserver;
    this.inbound = {
      request: (pattern, data, peer) => this.handleRequestFrame(pattern, data, peer),
      event: (pattern, data, peer) => this.handleEventFrame(pattern, data, peer),
    };
  }

  /** The same routing the server uses, for connections we dialled ourselves (peers talk both ways). */
  get inboundHandler(): InboundHandler {
    return this.inbound;
  }

  listen(callback: (err?: unknown) => void): void {
    const server = net.createServer((socket) => this.onSocket(socket));
    this.server = server;
    server.once('error', (err) => callback(err));
    server.listen({ host: this.options.host || undefined, port: this.options.port }, () => {
      const addr = server.address() as net.AddressInfo;
      this.options.onListening?.(joinHostPort(addr.address, addr.port), addr.port);
      callback();
    });
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.close();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  on(): void {
    // No transport-level events are exposed to Nest; status is reported through the observer.
  }

  unwrap<T>(): T {
    return this.server as T;
  }

  private onSocket(socket: net.Socket): void {
    const conn = PeerConnection.accept(socket, this.options.identity(), this.inbound, this.observer, this.options.limits ?? DEFAULT_LIMITS);
    this.connections.add(conn);
    this.observer.connectionsChanged(1);
    conn.once('close', () => {
      this.connections.delete(conn);
      this.observer.connectionsChanged(-1);
    });
  }

  private async handleRequestFrame(pattern: string, data: unknown, peer: RemotePeer): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler || handler.isEventHandler) throw new UnknownPatternError(pattern);
    const result = await handler(data, new TcpPeerContext([peer]));
    return lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  private async handleEventFrame(pattern: string, data: unknown, peer: RemotePeer): Promise<void> {
    if (!this.getHandlerByPattern(pattern)) return; // unknown events are dropped, as Nest does
    await this.handleEvent(pattern, { pattern, data }, new TcpPeerContext([peer]));
  }
}
