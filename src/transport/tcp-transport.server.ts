/**
 * The node's side of the wire as a Nest microservice strategy: controllers declare
 * `@MessagePattern('storage.chunk.put')` / `@EventPattern('gossip.swim')` and this server
 * routes decoded frames to them. Handlers receive `(data, TcpPeerContext)`; the context names
 * the authenticated peer (node id, advertise address, role).
 */
import * as net from 'node:net';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { InboundHandler, PeerConnection, ConnectionLimits, DEFAULT_LIMITS, joinHostPort, normaliseHost } from './peer-connection';
import { AdmissionControl, AdmissionLimits, AdmissionTicket } from './admission/admission-control';
import { LocalIdentity, RemotePeer } from './handshake/handshake';
import { TransportSecurity } from './tls/transport-security';
import { UnknownPatternError } from './transport.errors';
import { describeError } from '../common/errors';
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
  /** The node's key, certificate and pins: every accepted socket runs TLS with them. */
  security: TransportSecurity;
  observer?: TransportObserver;
  limits?: ConnectionLimits;
  /** Caps on inbound connections and on pending handshakes (admission/admission-control.ts). */
  admission?: AdmissionLimits;
  /** Called once the socket is bound, with the actual port (port 0 binds a free one). */
  onListening?: (address: string, port: number) => void;
}

export class TcpTransportServer extends Server implements CustomTransportStrategy {
  private server: net.Server | undefined;
  private readonly connections = new Set<PeerConnection>();
  private readonly rawSockets = new Set<net.Socket>();
  private readonly observer: TransportObserver;
  private readonly inbound: InboundHandler;
  private unsubscribe: Array<() => void> = [];
  private readonly admission: AdmissionControl;
  /** Admission tickets of accepted TCP sockets, by "address:port", until they close. */
  private readonly tickets = new Map<string, AdmissionTicket>();
  /**
   * Handlers found, by pattern: Nest's lookup first tries JSON.parse on the pattern, which
   * throws (an error with its stack) for every plain string one, once or twice per frame. Only
   * registered patterns are kept, so a peer sending made-up ones cannot grow it.
   */
  private readonly routes = new Map<string, MessageHandler>();

  constructor(private readonly options: TcpTransportServerOptions) {
    super();
    this.observer = options.observer ?? noopObserver;
    this.admission = new AdmissionControl(options.admission);
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
    const limits = this.options.limits ?? DEFAULT_LIMITS;
    const server = this.options.security.createServer((socket) => this.onSecureSocket(socket), limits.handshakeTimeoutMs);
    this.server = server;
    server.on('connection', (raw: net.Socket) => this.onSocket(raw));
    // A TLS handshake that fails (not TLS at all, no common version, too slow) is a refusal like any other.
    // Node leaves the socket open after some of them (a handshake timeout), so it is closed here.
    server.on('tlsClientError', (err: Error, socket: net.Socket) => {
      this.observer.handshakeFailed(`tls: ${describeError(err)}`, `${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    // Removing a secret (or an API token) from the keyring ends the connections admitted with it:
    // they drain (GoAway), so the requests already on them are answered.
    const local = this.options.identity();
    const closeRemoved = (removed: string[]) => {
      for (const conn of this.connections) if (conn.remote && removed.includes(conn.remote.keyId)) conn.drain();
    };
    this.unsubscribe = [local.secrets.onRemoved(closeRemoved), ...(local.clientTokens ? [local.clientTokens.onRemoved(closeRemoved)] : [])];
    server.once('error', (err) => callback(err));
    server.listen({ host: this.options.host || undefined, port: this.options.port }, () => {
      const addr = server.address() as net.AddressInfo;
      this.options.onListening?.(joinHostPort(addr.address, addr.port), addr.port);
      callback();
    });
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribe) stop();
    for (const conn of this.connections) conn.close();
    this.connections.clear();
    for (const raw of this.rawSockets) raw.destroy();
    this.rawSockets.clear();
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

  /** Every accepted TCP socket, before TLS: admitted (admission-control.ts) or closed unread, counted, and closed with the server. */
  private onSocket(raw: net.Socket): void {
    const remote = `${raw.remoteAddress}:${raw.remotePort}`;
    const ticket = this.admission.admit(normaliseHost(raw.remoteAddress ?? ''));
    if ('refused' in ticket) {
      raw.destroy();
      return this.observer.connectionRefused(ticket.refused, remote);
    }
    this.tickets.set(remote, ticket);
    this.rawSockets.add(raw);
    this.observer.connectionsChanged(1);
    raw.once('close', () => {
      ticket.release();
      if (this.tickets.get(remote) === ticket) this.tickets.delete(remote);
      this.rawSockets.delete(raw);
      this.observer.connectionsChanged(-1);
    });
  }

  private onSecureSocket(socket: net.Socket): void {
    const conn = PeerConnection.accept(socket, {
      local: this.options.identity(),
      security: this.options.security,
      inbound: this.inbound,
      observer: this.observer,
      limits: this.options.limits ?? DEFAULT_LIMITS,
    });
    this.connections.add(conn);
    // The TLS socket has its TCP socket's remote address and port: that finds its ticket. It is
    // looked up once the handshake completed, not now: in the benchmark's plaintext mode this
    // listener runs before onSocket has issued the ticket.
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    conn.once('ready', (peer: RemotePeer) => {
      this.tickets.get(remote)?.authenticated();
      this.observer.keyInUse(peer.keyId, 1);
    });
    conn.once('close', () => {
      this.connections.delete(conn);
      if (conn.remote) this.observer.keyInUse(conn.remote.keyId, -1);
    });
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    const known = this.routes.get(pattern);
    if (known) return known;
    const handler = super.getHandlerByPattern(pattern);
    if (handler) this.routes.set(pattern, handler);
    return handler;
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
