/**
 * A Nest `ClientProxy` for one remote address over our TCP protocol. `send()` maps to a
 * request frame, `emit()` to an event frame. Unsubscribing from `send()` (for example through
 * rxjs `timeout`) forgets the outstanding request, so a deadline never leaks a map entry.
 */
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { PeerConnection, InboundHandler, ConnectionLimits, DEFAULT_LIMITS } from './peer-connection';
import { LocalIdentity, RemotePeer } from './handshake/handshake';
import { TransportObserver, noopObserver } from './transport-observer';

export class TcpTransportClient extends ClientProxy {
  private connection: PeerConnection | undefined;
  private connecting: Promise<PeerConnection> | undefined;

  constructor(
    readonly address: string,
    private readonly identity: () => LocalIdentity,
    private readonly observer: TransportObserver = noopObserver,
    private readonly inbound?: InboundHandler,
    private readonly limits: ConnectionLimits = DEFAULT_LIMITS,
  ) {
    super();
  }

  /** Who answered at this address (after connect). */
  get remote(): RemotePeer | undefined {
    return this.connection?.remote;
  }

  get observedHost(): string | undefined {
    return this.connection?.observedHost;
  }

  get isConnected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  connect(): Promise<PeerConnection> {
    if (this.connection?.isOpen) return Promise.resolve(this.connection);
    if (!this.connecting) {
      this.connecting = PeerConnection.connect(this.address, this.identity(), this.observer, this.inbound, this.limits)
        .then((conn) => {
          this.connection = conn;
          this.observer.connectionsChanged(1);
          conn.once('close', () => {
            this.observer.connectionsChanged(-1);
            if (this.connection === conn) this.connection = undefined;
          });
          return conn;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }

  unwrap<T>(): T {
    return this.connection?.socket as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const abort = new AbortController();
    this.connect()
      .then((conn) => conn.request(this.normalizePattern(packet.pattern), packet.data, abort.signal))
      .then(
        (response) => {
          if (!abort.signal.aborted) callback({ response, isDisposed: true });
        },
        (err) => {
          if (!abort.signal.aborted) callback({ err });
        },
      );
    return () => abort.abort();
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const conn = await this.connect();
    await conn.event(this.normalizePattern(packet.pattern), packet.data);
    return undefined as T;
  }

  // Errors cross the wire as typed P2pErrors already; keep them as they are.
  protected override serializeError(err: unknown): unknown {
    return err;
  }
}
