/**
 * A channel to a node's p2p port below our protocol, for tests that fuzz what a socket that
 * never authenticates may send: plain TCP (bytes where TLS expects a ClientHello) or TLS with
 * no certificate checks (bytes where our handshake expects its frames).
 */
import * as net from 'node:net';
import { dialTls, splitAddress } from './tls-probe';

export interface RawChannel {
  socket: net.Socket;
  /** Resolves when the channel closed, whoever closed it. */
  closed: Promise<void>;
}

export function openRawChannel(address: string, layer: 'tcp' | 'tls'): RawChannel {
  const socket = layer === 'tls' ? dialTls(address) : net.connect(splitAddress(address));
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}
