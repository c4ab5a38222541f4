/**
 * Who this node is on the wire: its stable node id (kept in its database), the cluster it
 * belongs to, and the address others should dial.
 *
 * The advertise address is --advertise when given. Otherwise it is the --listen address, and
 * when that binds every interface (":3000") we start with 127.0.0.1 and adopt the first
 * non-loopback host a peer reports seeing us connect from: a node on a LAN becomes reachable
 * without --advertise, while a single-machine cluster stays on loopback.
 */
import { formatHostPort, isWildcardHost } from '../config/address';
import { LocalIdentity, PeerRole } from './handshake/handshake';
import { Keyring } from './keyring';

export interface NodeIdentityOptions {
  nodeId: string;
  clusterId: string;
  /** Cluster secrets (a node), or the API token (a client); empty: open. */
  secrets: Keyring;
  /** A node's API tokens, which clients prove. */
  clientTokens?: Keyring;
  /** SHA-256 of our TLS key's SPKI; empty for a keyless client. */
  fingerprint: string;
  listenHost: string;
  explicitAdvertise: string | undefined;
  role?: PeerRole;
}

export class NodeIdentity {
  private port = 0;
  private host: string;
  private readonly derived: boolean;

  constructor(private readonly options: NodeIdentityOptions) {
    this.derived = !options.explicitAdvertise;
    this.host = isWildcardHost(options.listenHost) ? '127.0.0.1' : options.listenHost;
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  get fingerprint(): string {
    return this.options.fingerprint;
  }

  get secrets(): Keyring {
    return this.options.secrets;
  }

  get clientTokens(): Keyring | undefined {
    return this.options.clientTokens;
  }

  /** Called once the listener is bound (port 0 becomes the real port). */
  setBoundPort(port: number): void {
    this.port = port;
  }

  get advertise(): string {
    return this.options.explicitAdvertise ?? formatHostPort({ host: this.host, port: this.port });
  }

  /** A peer told us the host it saw us connect from. Returns true when the advertise address changed. */
  learnObservedHost(host: string): boolean {
    if (!this.derived || !isWildcardHost(this.options.listenHost)) return false;
    if (!host || isLoopback(host) || !isLoopback(this.host)) return false;
    this.host = host;
    return true;
  }

  local(): LocalIdentity {
    return {
      clusterId: this.options.clusterId,
      nodeId: this.options.nodeId,
      advertise: this.advertise,
      role: this.options.role ?? 'peer',
      fingerprint: this.options.fingerprint,
      secrets: this.options.secrets,
      clientTokens: this.options.clientTokens,
    };
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
