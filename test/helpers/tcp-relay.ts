/**
 * A TCP relay the test puts between a node and whoever dials it: every byte passes through it
 * and is recorded, and a test may change bytes on the way (a tampering man in the middle).
 * A node started with `--advertise <relay>` is reached through the relay by every other node
 * and by the CLI, so the recording is all the traffic that node takes part in.
 */
import * as net from 'node:net';

export type Direction = 'toTarget' | 'fromTarget';

export interface RelayOptions {
  /** May change a chunk; `offset` counts the bytes this connection sent that way before it. */
  tamper?: (direction: Direction, chunk: Buffer, offset: number, connection: number) => Buffer;
}

export class TcpRelay {
  readonly recorded: Buffer[] = [];
  private readonly byDirection: Record<Direction, Buffer[]> = { toTarget: [], fromTarget: [] };
  target: { host: string; port: number } | undefined;
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;

  private constructor(private readonly server: net.Server, private readonly options: RelayOptions) {}

  static async start(options: RelayOptions = {}): Promise<TcpRelay> {
    const server = net.createServer();
    const relay = new TcpRelay(server, options);
    server.on('connection', (socket) => relay.onConnection(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Every byte seen in both directions, as one buffer. */
  capture(): Buffer {
    return Buffer.concat(this.recorded);
  }

  /** The bytes sent one way, over every connection, in order. */
  sent(direction: Direction): Buffer[] {
    return this.byDirection[direction];
  }

  forwardTo(address: string): void {
    const i = address.lastIndexOf(':');
    this.target = { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: net.Socket): void {
    if (!this.target) return void client.destroy();
    const n = this.connections++;
    const upstream = net.connect(this.target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream, 'toTarget', n);
    this.pipe(upstream, client, 'fromTarget', n);
  }

  private pipe(from: net.Socket, to: net.Socket, direction: Direction, connection: number): void {
    let offset = 0;
    from.on('data', (chunk: Buffer) => {
      const out = this.options.tamper ? this.options.tamper(direction, Buffer.from(chunk), offset, connection) : chunk;
      offset += chunk.length;
      this.recorded.push(Buffer.from(out));
      this.byDirection[direction].push(Buffer.from(out));
      to.write(out);
    });
  }
}
