/**
 * One outbound connection per address, reused by every caller, reopened lazily after it
 * closed. `request` is the single way the rest of the node asks another node something:
 * every request has a deadline, and failures come back as typed transport errors.
 */
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { ConnectionLimits, InboundHandler } from './peer-connection';
import { TransportSecurity } from './tls/transport-security';
import { NodeIdentity } from './node-identity';
import { TcpTransportClient } from './tcp-transport.client';
import { PeerIdentityMismatchError, PeerTimeoutError } from './transport.errors';
import { TransportObserver, noopObserver } from './transport-observer';
import { RemotePeer } from './handshake/handshake';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class PeerConnectionPool {
  private readonly clients = new Map<string, TcpTransportClient>();
  /** Called when a peer reports the host it saw us connect from. */
  onObservedHost: ((host: string) => void) | undefined;

  private readonly unsubscribe: () => void;

  constructor(
    private readonly identity: NodeIdentity,
    private readonly security: TransportSecurity,
    private readonly observer: TransportObserver = noopObserver,
    private readonly inbound?: InboundHandler,
    private readonly limits?: ConnectionLimits,
  ) {
    // A secret removed from the keyring ends the connections we opened with it, without
    // failing what is in flight on them: they drain, and new requests reconnect with the primary.
    this.unsubscribe = identity.secrets.onRemoved((removed) => {
      for (const client of this.clients.values()) if (client.remote && removed.includes(client.remote.keyId)) client.drain();
    });
  }

  client(address: string): TcpTransportClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new TcpTransportClient(address, () => ({
        local: this.identity.local(),
        security: this.security,
        observer: this.observer,
        inbound: this.inbound,
        limits: this.limits,
      }));
      this.clients.set(address, client);
    }
    return client;
  }

  /** Connects (if needed) and returns who answered at `address`. */
  async connect(address: string): Promise<RemotePeer> {
    const client = this.client(address);
    const wasConnected = client.isConnected;
    const conn = await client.connect();
    if (!wasConnected && conn.observedHost) this.onObservedHost?.(conn.observedHost);
    return conn.remote!;
  }

  /** Who answered at `address`, while a connection to it is open (never dials). */
  remoteAt(address: string): RemotePeer | undefined {
    return this.clients.get(address)?.remote;
  }

  /** `expectedNodeId`: refuse (PeerIdentityMismatchError) when another node answers at `address`. */
  async request<T = unknown>(address: string, pattern: string, data: object, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, expectedNodeId?: string): Promise<T> {
    const remote = await this.connect(address);
    if (expectedNodeId && remote.nodeId !== expectedNodeId) throw new PeerIdentityMismatchError(address, expectedNodeId, remote.nodeId);
    try {
      return await firstValueFrom(this.client(address).send<T>(pattern, data).pipe(timeout(timeoutMs)));
    } catch (err) {
      if (err instanceof TimeoutError) throw new PeerTimeoutError(address, pattern, timeoutMs);
      throw err;
    }
  }

  async emit(address: string, pattern: string, data: object): Promise<void> {
    await this.connect(address);
    await firstValueFrom(this.client(address).emit(pattern, data), { defaultValue: undefined });
  }

  /** Drops the connection to an address (for example after its node id changed). */
  forget(address: string): void {
    this.clients.get(address)?.close();
    this.clients.delete(address);
  }

  /** Nest calls this on shutdown: open sockets would otherwise keep the process alive. */
  onModuleDestroy(): void {
    this.unsubscribe();
    this.closeAll();
  }

  closeAll(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
