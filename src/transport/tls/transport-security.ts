/**
 * TLS 1.3 under every connection, from Node's own `tls` (OpenSSL).
 *
 * There is no CA: each node shows its self-signed certificate (node-key.ts) and the other side
 * checks the key against its pin for that node id (pin-store.ts). `rejectUnauthorized: false`
 * skips only the chain, name and date checks, which mean nothing for a self-signed
 * certificate; TLS 1.3's CertificateVerify still proves the peer holds the key it showed
 * (RFC 8446 §4.4.3), and the handshake (handshake.ts) binds that key and the channel's
 * exported keying material into the admission proof.
 *
 * `ca: []` matters for the CLI: without it the first secure context of a process loads
 * Node's bundled root store, about 20-25 ms per run, for roots we never use.
 * Contexts are made once per process and shared by every connection.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ChannelFacts } from '../handshake/handshake';
import { NodeKeyMaterial, certificateFingerprint } from './node-key';
import { PinStore, noPins } from './pin-store';
import { NodeKeyError } from '../transport.errors';

/** Label of the keying material exported into the handshake's proofs (RFC 5705 wants "EXPORTER"). */
const EKM_LABEL = 'EXPORTER-p2p-storage-v2';
const EKM_BYTES = 32;

export class TransportSecurity {
  private client: tls.SecureContext | undefined;

  /**
   * `material`: the node's key and certificate; undefined for a client with no key (the CLI),
   * which can dial but not accept. `plaintext` exists only for `npm run bench:datapath`, which
   * prices encryption by running the same build without it (see plaintextForBenchmark).
   */
  constructor(
    readonly material: NodeKeyMaterial | undefined,
    readonly pins: PinStore = noPins,
    readonly plaintext = false,
  ) {}

  get fingerprint(): string {
    return this.material?.fingerprint ?? '';
  }

  /**
   * The listener: `onSecure` gets each connection once TLS is up. A tls.Server (not a bare
   * TLSSocket over an accepted socket) because only a server-owned TLS socket turns a bad record
   * after the handshake into an 'error' that closes it. Raw sockets still come through the
   * server's 'connection' event first, before any TLS byte is read.
   */
  createServer(onSecure: (socket: net.Socket) => void, handshakeTimeoutMs: number): net.Server {
    if (this.plaintext) return net.createServer(onSecure);
    if (!this.material) throw new NodeKeyError('(none)', 'a client without a node key cannot accept connections');
    return tls.createServer(
      { key: this.material.key, cert: this.material.cert, ca: [], minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false, handshakeTimeout: handshakeTimeoutMs },
      onSecure,
    );
  }

  /** Dials `host:port` and starts TLS; `onread` keeps the caller's fixed receive buffer. */
  dialTls(host: string, port: number, onread: { buffer: Buffer; callback: (n: number) => boolean }): net.Socket {
    if (this.plaintext) return net.connect({ host, port, onread });
    this.client ??= tls.createSecureContext({ ...(this.material ? { key: this.material.key, cert: this.material.cert } : {}), ca: [], minVersion: 'TLSv1.3' });
    // @types/node lacks `onread` on tls.ConnectionOptions; Node honours it (checked on Node 20).
    const options = { host, port, secureContext: this.client, rejectUnauthorized: false, minVersion: 'TLSv1.3', onread } as tls.ConnectionOptions;
    return tls.connect(options);
  }

  /** What the handshake binds its proofs to. */
  channelFacts(socket: net.Socket): ChannelFacts {
    if (this.plaintext || !(socket instanceof tls.TLSSocket)) return { ekm: '', remoteFingerprint: '' };
    const cert = socket.getPeerX509Certificate();
    return {
      ekm: socket.exportKeyingMaterial(EKM_BYTES, EKM_LABEL, Buffer.alloc(0)).toString('hex'),
      remoteFingerprint: cert ? certificateFingerprint(cert) : '',
    };
  }
}

/**
 * Only `npm run bench:datapath` sets this, to print the figures with encryption off beside
 * the default; every node and client of that run reads it the same way. There is no flag:
 * encryption is not something a deployment can turn off.
 */
export function plaintextForBenchmark(): boolean {
  return process.env.P2P_BENCH_PLAINTEXT_TRANSPORT === '1';
}
