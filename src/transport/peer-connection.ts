/**
 * One TCP connection to another node or a CLI client, after or during its handshake.
 *
 * Owns: the incremental decoder, the idle timeout for half-received frames, the handshake
 * deadline, the correlation map of outstanding requests, and backpressure on writes
 * (`send` resolves only after the socket drained, and refuses once too much is queued).
 * Any protocol violation destroys this socket only; the node keeps serving the rest.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describeError, P2pError } from '../common/errors';
import { decodeBody, encodeBodyParts } from './codec/body';
import { DEFAULT_MAX_FRAME_BYTES, Frame, FrameType } from './codec/frame';
import { FrameDecoder } from './codec/frame-decoder';
import { awaitsSend, frameBufferSent } from './codec/frame-buffers';
import { encodeFrameParts } from './codec/frame-encoder';
import {
  ChannelFacts,
  LocalIdentity,
  RemotePeer,
  acceptReply,
  checkAccept,
  createHello,
  newNonce,
  replyToHello,
  HelloMessage,
} from './handshake/handshake';
import { TransportSecurity } from './tls/transport-security';
import { checkPin } from './tls/pin-store';
import { writeLargeBuffersAlone } from './tls/uncopied-writes';
import { isClientPattern } from './client-operations';
import {
  BodyTooLargeError,
  ClientNotAllowedError,
  FrameTooLargeError,
  HandshakeFailedError,
  MalformedFrameError,
  PeerUnreachableError,
  RemoteError,
  ReplyTooLargeError,
  SendBufferFullError,
  UnknownPatternError,
} from './transport.errors';
import { TransportObserver, noopObserver } from './transport-observer';
import { HANDSHAKE_MAX_FRAME_BYTES } from './admission/handshake-limits';

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** A connection must finish its handshake within this. */
  handshakeTimeoutMs: number;
  /** A half-received frame with no new byte for this long closes the connection. */
  idleFrameTimeoutMs: number;
  /** Bytes we let queue on the socket before `send` refuses (the peer is not reading). */
  maxQueuedBytes: number;
  /** Requests from the peer we run at once; beyond it we stop reading from the socket. */
  maxInflightRequests: number;
  /** A draining connection (drain()) closes after this even if requests are still open. */
  drainTimeoutMs: number;
}

/** Size of an outbound connection's reusable receive buffer. */
const RECEIVE_BUFFER_BYTES = 64 * 1024;

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  handshakeTimeoutMs: 5_000,
  idleFrameTimeoutMs: 10_000,
  maxQueuedBytes: 32 * 1024 * 1024,
  maxInflightRequests: 64,
  drainTimeoutMs: 30_000,
};

/** What every connection of one node (or one CLI run) shares. */
export interface ConnectionContext {
  local: LocalIdentity;
  security: TransportSecurity;
  observer?: TransportObserver;
  limits?: ConnectionLimits;
  /** Routes the requests and events the other side sends; a pure client has none. */
  inbound?: InboundHandler;
}

/** What a connection does with the requests and events a peer sends it. */
export interface InboundHandler {
  request(pattern: string, data: unknown, peer: RemotePeer): Promise<unknown>;
  event(pattern: string, data: unknown, peer: RemotePeer): Promise<void> | void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  pattern: string;
}

export class PeerConnection extends EventEmitter {
  remote: RemotePeer | undefined;
  /** Our own host as the server saw it (client side only). */
  observedHost: string | undefined;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private inflight = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** When the last bytes of a half-received frame arrived (armIdleTimer). */
  private lastReadAt = 0;
  private closed = false;
  private draining = false;
  private closeWhenIdle = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private handshakeStep: (frame: Frame) => void;
  /** Decoded frames not yet handled (runHeldFrames), and the next one to handle. */
  private held: Frame[] = [];
  private heldNext = 0;
  /** Shared by every sender waiting for the socket to drain (drained()). */
  private drainWait: Promise<void> | undefined;

  private constructor(
    readonly socket: net.Socket,
    readonly label: string,
    private readonly limits: ConnectionLimits,
    private readonly observer: TransportObserver,
    private readonly inbound: InboundHandler | undefined,
  ) {
    super();
    // Until the peer authenticated, no frame may be larger than a handshake needs.
    this.decoder = new FrameDecoder(Math.min(limits.maxFrameBytes, HANDSHAKE_MAX_FRAME_BYTES));
    socket.setNoDelay(true);
    if (socket instanceof tls.TLSSocket) writeLargeBuffersAlone(socket);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /**
   * Client side: dial, run TLS, then the handshake; resolves once the server accepted us (no
   * request leaves before that: the server judges us only after TLS has finished on our side).
   */
  static connect(address: string, ctx: ConnectionContext): Promise<PeerConnection> {
    const { host, port } = splitHostPort(address);
    const { local, security } = ctx;
    const limits = ctx.limits ?? DEFAULT_LIMITS;
    const observer = ctx.observer ?? noopObserver;
    return new Promise((resolve, reject) => {
      // Outbound connections carry the large replies (chunks a get fetches): read them into one
      // fixed buffer instead of a fresh 64 KiB buffer per read. The decoder copies every byte
      // out before the next read (FrameDecoder.push), which is what makes reuse safe.
      const receiveBuffer = Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES);
      // Returns true: pausing for backpressure is onData's own decision (socket.pause()).
      const onRead = (n: number): boolean => {
        conn.onData(receiveBuffer.subarray(0, n));
        return true;
      };
      const socket = security.dialTls(host, port, { buffer: receiveBuffer, callback: onRead });
      const conn: PeerConnection = new PeerConnection(socket, address, limits, observer, ctx.inbound);
      const timer = setTimeout(
        () => conn.destroy(new PeerUnreachableError(address, `no handshake within ${limits.handshakeTimeoutMs} ms`)),
        limits.handshakeTimeoutMs,
      );
      const fail = (err?: Error) => {
        clearTimeout(timer);
        reject(err instanceof P2pError ? err : new PeerUnreachableError(address, err ? describeError(err) : 'connection closed'));
      };
      conn.once('close', fail);
      const clientNonce = newNonce();
      let hello: HelloMessage | undefined;
      let channel: ChannelFacts | undefined;
      const refuse = (reason: string) => {
        observer.handshakeFailed(reason, address);
        conn.refuse(reason);
      };
      conn.handshakeStep = (frame) => {
        if (frame.type === FrameType.Hello && !hello) {
          channel = security.channelFacts(socket);
          const answer = replyToHello(local, decodeBody(frame.body), clientNonce, channel);
          if ('refuse' in answer) return refuse(answer.refuse);
          const pinProblem = checkPin(security.pins, answer.hello.nodeId, answer.hello.fingerprint);
          if (pinProblem) return refuse(pinProblem);
          hello = answer.hello;
          void conn.sendFrame(FrameType.HelloReply, 0, '', answer.reply);
          return;
        }
        if (frame.type === FrameType.HelloAccept && hello && channel) {
          const accept = decodeBody(frame.body) as { observedHost?: unknown; keyId?: unknown };
          const problem = checkAccept(local, accept, hello, clientNonce, channel);
          if (problem) return refuse(problem);
          security.pins.pin(hello.nodeId, hello.fingerprint);
          conn.remote = { nodeId: hello.nodeId, advertise: hello.advertise, role: 'peer', clusterId: hello.clusterId, fingerprint: hello.fingerprint, keyId: String(accept.keyId) };
          conn.observedHost = typeof accept.observedHost === 'string' ? accept.observedHost : undefined;
          clearTimeout(timer);
          conn.off('close', fail);
          resolve(conn);
          return;
        }
        if (frame.type === FrameType.HelloReject) {
          const reason = String((decodeBody(frame.body) as { reason?: unknown })?.reason ?? 'refused');
          conn.destroy(new HandshakeFailedError(reason, address));
          return;
        }
        conn.destroy(new MalformedFrameError(`unexpected frame type ${frame.type} during handshake`));
      };
    });
  }

  /**
   * Server side, once TLS is up on an accepted socket: challenge the peer; emits 'ready' with
   * the peer once it proved itself.
   */
  static accept(socket: net.Socket, ctx: ConnectionContext & { inbound: InboundHandler }): PeerConnection {
    const { local, security } = ctx;
    const limits = ctx.limits ?? DEFAULT_LIMITS;
    const observer = ctx.observer ?? noopObserver;
    const label = `${socket.remoteAddress}:${socket.remotePort}`;
    const conn = new PeerConnection(socket, label, limits, observer, ctx.inbound);
    const serverNonce = newNonce();
    const timer = setTimeout(() => {
      observer.handshakeFailed('timeout', label);
      conn.destroy(new HandshakeFailedError(`no handshake within ${limits.handshakeTimeoutMs} ms`, label));
    }, limits.handshakeTimeoutMs);
    conn.once('close', () => clearTimeout(timer));
    conn.handshakeStep = (frame) => {
      if (frame.type !== FrameType.HelloReply) {
        observer.handshakeFailed('protocol', label);
        return conn.destroy(new MalformedFrameError(`expected a handshake, got frame type ${frame.type}`));
      }
      const observedHost = normaliseHost(socket.remoteAddress ?? '');
      const answer = acceptReply(local, decodeBody(frame.body), serverNonce, security.channelFacts(socket), observedHost);
      const refuse = (reason: string) => {
        observer.handshakeFailed(reason, label);
        conn.refuse(reason);
      };
      if ('refuse' in answer) return refuse(answer.refuse);
      const pinProblem = answer.peer.role === 'peer' ? checkPin(security.pins, answer.peer.nodeId, answer.peer.fingerprint) : undefined;
      if (pinProblem) return refuse(pinProblem);
      clearTimeout(timer);
      if (answer.peer.role === 'peer') security.pins.pin(answer.peer.nodeId, answer.peer.fingerprint);
      conn.remote = answer.peer;
      void conn.sendFrame(FrameType.HelloAccept, 0, '', answer.accept);
      conn.emit('ready', answer.peer);
    };
    void conn.sendFrame(FrameType.Hello, 0, '', createHello(local, serverNonce)).catch(() => undefined);
    return conn;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** False once draining: callers open a new connection for new requests. */
  get acceptsRequests(): boolean {
    return !this.closed && !this.draining;
  }

  /**
   * Ends this connection without failing anything in flight (a keyring entry it was admitted
   * with was removed). We send no new request on it and tell the other side to do the same
   * (GoAway); the other side closes it once its requests are answered (a request it sent
   * before it read our GoAway is still answered). drainTimeoutMs bounds the wait.
   */
  drain(): void {
    if (this.closed || this.draining) return;
    void this.sendFrame(FrameType.GoAway, 0, '', {}).catch(() => undefined);
    this.startDraining(false);
  }

  /** `closeWhenIdle`: we received the GoAway, so nothing new can arrive and idle means done. */
  private startDraining(closeWhenIdle: boolean): void {
    this.draining = true;
    this.closeWhenIdle = closeWhenIdle;
    this.drainTimer = setTimeout(() => this.destroy(), this.limits.drainTimeoutMs);
    this.closeIfDrained();
  }

  /** end(), not destroy(): the last answers may still sit in the socket's write queue. */
  private closeIfDrained(): void {
    if (this.closeWhenIdle && !this.closed && this.pending.size === 0 && this.inflight === 0) this.socket.end();
  }

  /** Sends a request and resolves with the decoded response. `signal` cancels the wait. */
  request(pattern: string, data: unknown, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new PeerUnreachableError(this.label, 'connection closed'));
    const id = this.nextCorrelationId;
    this.nextCorrelationId = this.nextCorrelationId >= 0xfffffffe ? 1 : this.nextCorrelationId + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, pattern });
      signal?.addEventListener('abort', () => {
        this.pending.delete(id);
        this.closeIfDrained();
      }, { once: true });
      this.sendFrame(FrameType.Request, id, pattern, data).catch((err) => {
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** Fire-and-forget: resolves once the event is handed to the socket (after a drain if needed). */
  event(pattern: string, data: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new PeerUnreachableError(this.label, 'connection closed'));
    return this.sendFrame(FrameType.Event, 0, pattern, data);
  }

  close(): void {
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.observer.transportError(err instanceof P2pError ? err.code : 'DECODE', this.label);
      return this.destroy(err as Error);
    }
    this.armIdleTimer();
    for (const frame of frames) this.held.push(frame);
    this.runHeldFrames();
  }

  /**
   * Handles the decoded frames in order, stopping while maxInflightRequests of the peer's
   * requests run: one read can bring hundreds of small requests, and pausing the socket alone
   * would still start them all. The rest wait here (at most what the reads before the pause
   * brought) and run as requests finish.
   */
  private runHeldFrames(): void {
    while (this.heldNext < this.held.length && !this.closed) {
      if (this.inflight >= this.limits.maxInflightRequests) {
        this.socket.pause();
        return;
      }
      const frame = this.held[this.heldNext++];
      try {
        this.onFrame(frame);
      } catch (err) {
        this.observer.transportError(err instanceof P2pError ? err.code : 'FRAME', this.label);
        return this.destroy(err as Error);
      }
    }
    this.held = [];
    this.heldNext = 0;
  }

  /**
   * Called after every read. A TLS socket reads one 16 KiB record at a time, 64 reads per 1 MiB
   * chunk: the timer is not re-made per read (clearing and setting it was a tenth of a get's
   * CPU on the reading side); the read is noted, and a timer that fires early waits the rest.
   */
  private armIdleTimer(): void {
    if (!this.decoder.hasPartialFrame) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      return;
    }
    this.lastReadAt = Date.now();
    this.idleTimer ??= setTimeout(this.onIdleTimer, this.limits.idleFrameTimeoutMs);
  }

  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    if (this.closed || !this.decoder.hasPartialFrame) return;
    const quiet = Date.now() - this.lastReadAt;
    if (quiet < this.limits.idleFrameTimeoutMs) {
      this.idleTimer = setTimeout(this.onIdleTimer, this.limits.idleFrameTimeoutMs - quiet);
      return;
    }
    this.observer.transportError('IDLE_PARTIAL_FRAME', this.label);
    this.destroy(new MalformedFrameError(`partial frame stalled for ${this.limits.idleFrameTimeoutMs} ms`));
  };

  private onFrame(frame: Frame): void {
    // A response carries no pattern on the wire: count it under its request's.
    const answers = frame.type === FrameType.Response || frame.type === FrameType.ErrorResponse;
    this.observer.frameIn(answers ? (this.pending.get(frame.correlationId)?.pattern ?? '') : frame.pattern, frame.body.length);
    if (!this.remote || frame.type <= FrameType.HelloReject) {
      if (this.remote) throw new MalformedFrameError('handshake frame after the handshake');
      this.handshakeStep(frame);
      if (this.remote) this.decoder.maxFrameBytes = this.limits.maxFrameBytes;
      return;
    }
    switch (frame.type) {
      case FrameType.Request:
        return this.onRequest(frame);
      case FrameType.Event:
        return this.onEvent(frame);
      case FrameType.Response:
      case FrameType.ErrorResponse:
        return this.onResponse(frame);
      case FrameType.GoAway:
        if (!this.draining) this.startDraining(true);
        else this.closeWhenIdle = true;
        this.closeIfDrained();
        return;
    }
  }

  private onRequest(frame: Frame): void {
    const peer = this.remote!;
    if (peer.role === 'client' && !isClientPattern(frame.pattern)) return this.refuseClient(frame);
    const data = decodeBody(frame.body);
    if (!this.inbound) throw new UnknownPatternError(frame.pattern);
    this.inflight += 1;
    if (this.inflight >= this.limits.maxInflightRequests) this.socket.pause();
    this.inbound
      .request(frame.pattern, data, peer)
      .then(
        (value) => this.sendFrame(FrameType.Response, frame.correlationId, '', value, frame.pattern).catch((err) => {
          // Encoding failed before a byte was written: answer with an error, keep the connection.
          if (!(err instanceof BodyTooLargeError || err instanceof FrameTooLargeError)) throw err;
          this.observer.transportError('REPLY_TOO_LARGE', this.label);
          return this.sendFrame(FrameType.ErrorResponse, frame.correlationId, '', errorBody(new ReplyTooLargeError(frame.pattern, err.message)), frame.pattern);
        }),
        (err) => this.sendFrame(FrameType.ErrorResponse, frame.correlationId, '', errorBody(err), frame.pattern),
      )
      .catch((err) => this.destroy(err))
      .finally(() => {
        this.inflight -= 1;
        this.runHeldFrames();
        if (this.inflight < this.limits.maxInflightRequests && this.heldNext === this.held.length && !this.closed) this.socket.resume();
        this.closeIfDrained();
      });
  }

  private onEvent(frame: Frame): void {
    if (this.remote!.role === 'client') return this.refuseClient(frame);
    const data = decodeBody(frame.body);
    if (!this.inbound) return;
    Promise.resolve()
      .then(() => this.inbound!.event(frame.pattern, data, this.remote!))
      .catch((err) => this.observer.transportError(err instanceof P2pError ? err.code : 'EVENT_HANDLER', this.label));
  }

  private onResponse(frame: Frame): void {
    const pending = this.pending.get(frame.correlationId);
    if (!pending) return; // answered after its caller gave up: drop it
    this.pending.delete(frame.correlationId);
    let body: unknown;
    try {
      body = decodeBody(frame.body);
    } catch (err) {
      pending.reject(err as Error); // its caller is told; the connection closes over the bad frame
      throw err;
    }
    if (frame.type === FrameType.Response) pending.resolve(body);
    else {
      const e = (body ?? {}) as { code?: unknown; message?: unknown; exitCode?: unknown };
      pending.reject(new RemoteError(String(e.code ?? 'REMOTE_ERROR'), String(e.message ?? 'remote error'), Number(e.exitCode ?? 1)));
    }
    this.closeIfDrained();
  }

  /**
   * A client connection may call client operations and nothing else: gossip, anti-entropy,
   * manifests and tombstones are for members. The request is answered with the refusal and
   * the connection closed (a client that sends them is broken or hostile).
   */
  private refuseClient(frame: Frame): void {
    const err = new ClientNotAllowedError(frame.pattern);
    this.observer.transportError(err.code, this.label);
    const answer = frame.type === FrameType.Request ? this.sendFrame(FrameType.ErrorResponse, frame.correlationId, '', errorBody(err)) : Promise.resolve();
    void answer.catch(() => undefined).finally(() => this.destroy(err));
  }

  private refuse(reason: string): void {
    void this.sendFrame(FrameType.HelloReject, 0, '', { reason }).finally(() =>
      this.destroy(new HandshakeFailedError(reason, this.label)),
    );
  }

  /** `countedAs`: the pattern the observer is told (a response's request pattern). */
  private async sendFrame(type: FrameType, correlationId: number, pattern: string, data: unknown, countedAs = pattern): Promise<void> {
    if (this.closed) throw new PeerUnreachableError(this.label, 'connection closed');
    if (this.socket.writableLength > this.limits.maxQueuedBytes) {
      throw new SendBufferFullError(this.label, this.socket.writableLength);
    }
    const parts = encodeFrameParts({ type, correlationId, pattern, body: encodeBodyParts(data) }, this.limits.maxFrameBytes);
    this.observer.frameOut(countedAs, parts.reduce((n, b) => n + b.length, 0));
    // Corked writes leave as one gathered write: header and payload without a copy.
    this.socket.cork();
    let flowing = true;
    // A relayed chunk's buffer goes back to the frame buffers once written (frame-buffers.ts);
    // every other part is written without a callback.
    for (const part of parts) {
      flowing = awaitsSend(part) ? this.socket.write(part, () => frameBufferSent(part)) : this.socket.write(part);
    }
    this.socket.uncork();
    if (flowing) return;
    await this.drained();
  }

  /**
   * The next 'drain' (or the close), one listener pair for every sender waiting on it: with
   * one pair per queued answer, a peer that stops reading grew the socket's listener list by
   * one per request (and Node warned about a leak on every such connection).
   */
  private drained(): Promise<void> {
    this.drainWait ??= new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.drainWait = undefined;
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return this.drainWait;
  }

  private destroy(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    // A record that fails its MAC (tampered, or not TLS) ends this connection only.
    if (this.remote && err && /^ERR_SSL_/.test((err as NodeJS.ErrnoException).code ?? '')) this.observer.transportError('TLS_RECORD', this.label);
    clearTimeout(this.idleTimer);
    clearTimeout(this.drainTimer);
    this.socket.destroy();
    const reason = err ?? new PeerUnreachableError(this.label, 'connection closed');
    for (const p of this.pending.values()) {
      p.reject(reason instanceof P2pError ? reason : new PeerUnreachableError(this.label, describeError(reason)));
    }
    this.pending.clear();
    this.emit('close', err);
  }
}

function errorBody(err: unknown): { code: string; message: string; exitCode: number } {
  if (err instanceof P2pError) return { code: err.code, message: err.message, exitCode: err.exitCode };
  return { code: 'INTERNAL', message: describeError(err), exitCode: 1 };
}

/** "::ffff:127.0.0.1" -> "127.0.0.1"; IPv6 stays bare (brackets are added when joined with a port). */
export function normaliseHost(host: string): string {
  return host.startsWith('::ffff:') ? host.slice(7) : host;
}

/** "host:port", "[::1]:port" or ":port" (localhost) -> parts. */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  if (!m) throw new PeerUnreachableError(address, 'not a host:port address');
  const port = Number(m[3]);
  if (port > 65535) throw new PeerUnreachableError(address, 'port out of range');
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
