/**
 * Raw TLS sockets to a node, for tests that play a hostile or broken peer inside the
 * encrypted channel: TLS 1.3 as a node speaks it (no CA, an optional throwaway key), and then
 * whatever bytes the test chooses.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { NodeKeyMaterial, ephemeralNodeKey } from '../../src/transport/tls/node-key';
import { FrameDecoder } from '../../src/transport/codec/frame-decoder';
import { Frame, FrameType } from '../../src/transport/codec/frame';
import { encodeFrame } from '../../src/transport/codec/frame-encoder';
import { decodeBody, encodeBody } from '../../src/transport/codec/body';

export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

export interface TlsProbeOptions {
  withKey?: boolean;
  material?: NodeKeyMaterial;
}

/** Starts TLS to `address` and returns the socket at once (the handshake runs on its own). */
export function dialTls(address: string, options: TlsProbeOptions = {}): tls.TLSSocket {
  const { host, port } = splitAddress(address);
  const material = options.material ?? (options.withKey ? ephemeralNodeKey() : undefined);
  return tls.connect({ host, port, ca: [], rejectUnauthorized: false, minVersion: 'TLSv1.3', ...(material ? { key: material.key, cert: material.cert } : {}) });
}

/** Opens TLS to `address` and resolves once the TLS handshake finished. */
export function connectTls(address: string, options: TlsProbeOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = dialTls(address, options);
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Our frames over any socket: the next frame as a promise, and a writer. */
export class FrameChannel {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Frame[] = [];
  private waiting: ((f: Frame | undefined) => void) | undefined;
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.deliver(frame);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.(undefined);
    });
  }

  /** The next frame, or undefined once the socket closed. */
  next(): Promise<Frame | undefined> {
    const f = this.queue.shift();
    if (f || this.closed) return Promise.resolve(f);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async nextBody(): Promise<{ type: FrameType; body: Record<string, unknown> } | undefined> {
    const f = await this.next();
    return f && { type: f.type, body: decodeBody(f.body) as Record<string, unknown> };
  }

  send(type: FrameType, body: unknown, pattern = '', correlationId = 0): void {
    this.socket.write(encodeFrame({ type, correlationId, pattern, body: encodeBody(body) }));
  }

  sendFrame(frame: Frame): void {
    this.socket.write(encodeFrame(frame));
  }

  private deliver(frame: Frame): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(frame);
    else this.queue.push(frame);
  }
}
