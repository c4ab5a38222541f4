/**
 * Telling a wrong address from a slow node. A user who gives the CLI a node's HTTP port (or any
 * other service) used to wait out the 5 s handshake deadline in silence: an HTTP server waits
 * for a request while the client waits for the node's hello. Under TLS the client speaks first
 * and an HTTP server answers the ClientHello with plain text, which OpenSSL reports as "wrong
 * version number". So a handshake that has not finished after a moment, or that failed in a way
 * a node never fails (bytes that are not TLS records or not our frames), is checked with a
 * one-line HTTP request on a separate connection: any HTTP server answers it at once with
 * "HTTP/". Bytes that are neither are reported as "does not speak the p2p protocol".
 */
import * as net from 'node:net';
import { describeError, P2pError } from '../common/errors';
import { parseHostPort } from '../config/address';
import type { PeerConnectionPool } from '../transport/connection-pool';
import { NotANodeError } from './cli.errors';

/** How long a handshake may take before the address is checked (a loopback node needs ~10 ms). */
const PROBE_AFTER_MS = 300;
const PROBE_TIMEOUT_MS = 1000;

/** Connects the pool to `address`, or throws NotANodeError as soon as it is clearly not a node. */
export async function connectToNode(pool: PeerConnectionPool, address: string): Promise<void> {
  const attempt = pool.connect(address).then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), PROBE_AFTER_MS)));
  const first = await Promise.race([attempt, slow]);
  clearTimeout(timer);
  if (first === 'slow') {
    if (await answersHttp(address)) {
      pool.forget(address);
      throw new NotANodeError(address, 'answers HTTP');
    }
    const outcome = await attempt;
    if (!outcome.ok) throw await explain(address, outcome.err);
    return;
  }
  if (!first.ok) throw await explain(address, first.err);
}

/** A failed handshake: the reason a user can act on. */
async function explain(address: string, err: unknown): Promise<unknown> {
  const code = err instanceof P2pError ? err.code : (err as NodeJS.ErrnoException)?.code;
  // OpenSSL's record layer met bytes that are not TLS records: the answer to our ClientHello
  // was plain text ("HTTP/1.1 400 …", an SSH banner). The transport passes on its message.
  const notTls = /wrong version number|packet length too long|record layer failure/i.test(describeError(err));
  const garbled = notTls || code === 'MALFORMED_FRAME' || code === 'FRAME_TOO_LARGE' || /^ERR_SSL_|^EPROTO$/.test(String(code));
  if (!garbled) return err;
  return new NotANodeError(address, (await answersHttp(address)) ? 'answers HTTP' : 'does not speak');
}

/** Whether `address` answers a minimal HTTP request with an HTTP status line. */
export function answersHttp(address: string): Promise<boolean> {
  const target = parseHostPort(address);
  if (!target) return Promise.resolve(false);
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect({ host: target.host || '127.0.0.1', port: target.port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(received.startsWith('HTTP/')));
    socket.on('connect', () => socket.write('HEAD / HTTP/1.0\r\n\r\n'));
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (received.length >= 5) done(received.startsWith('HTTP/'));
    });
  });
}
