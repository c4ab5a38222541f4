/**
 * A Nest `ClientProxy` for one remote address over our TCP protocol. `send()` maps to a
 * request frame, `emit()` to an event frame. Unsubscribing from `send()` (for example through
 * rxjs `timeout`) forgets the outstanding request, so a deadline never leaks a map entry.
 */
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { PeerConnection, ConnectionContext } from './peer-connection';
import { RemotePeer } from './handshake/handshake';
import { noopObserver } from './transport-observer';

export class TcpTransportClient extends ClientProxy {
  private connection: PeerConnection | undefined;
  private connecting: Promise<PeerConnection> | undefined;

  /** `context` is read at each (re)connect: the identity's address and keyring may change. */
  constructor(
    readonly address: string,
    private readonly context: () => ConnectionContext,
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
    return this.connection?.acceptsRequests ?? false;
  }

  /** Stops using the current connection for new requests; it closes once its requests are answered. */
  drain(): void {
    this.connection?.drain();
  }

  connect(): Promise<PeerConnection> {
    // A draining connection finishes its own requests; new ones go on a fresh connection.
    if (this.connection?.acceptsRequests) return Promise.resolve(this.connection);
    if (!this.connecting) {
      const ctx = this.context();
      const observer = ctx.observer ?? noopObserver;
      this.connecting = PeerConnection.connect(this.address, ctx)
        .then((conn) => {
          this.connection = conn;
          observer.connectionsChanged(1);
          observer.keyInUse(conn.remote!.keyId, 1);
          conn.once('close', () => {
            observer.connectionsChanged(-1);
            observer.keyInUse(conn.remote!.keyId, -1);
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
    let answered = false;
    this.connect()
      .then((conn) => conn.request(this.normalizePattern(packet.pattern), packet.data, abort.signal))
      .then(
        (response) => {
          answered = true;
          if (!abort.signal.aborted) callback({ response, isDisposed: true });
        },
        (err) => {
          answered = true;
          if (!abort.signal.aborted) callback({ err });
        },
      );
    // Nest calls this teardown after every answer too: aborting then would only build an
    // AbortError (a DOMException with its stack) per request, for a wait that is already over.
    return () => {
      if (!answered) abort.abort();
    };
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
