/**
 * A member that holds the cluster secret (or joins an open cluster) and lies: it passes the
 * handshake with a node id of its own, then sends whatever frames a test gives it. Dialled with
 * the project's own connection code, so a change of handshake changes this one place. With
 * `token` instead it is a client that holds the API token (connectHostileClient).
 */
import { randomBytes } from 'node:crypto';
import { PeerConnection } from '../../src/transport/peer-connection';
import { Keyring } from '../../src/transport/keyring';
import { ephemeralNodeKey } from '../../src/transport/tls/node-key';
import { TransportSecurity } from '../../src/transport/tls/transport-security';
import { noPins } from '../../src/transport/tls/pin-store';

export interface HostileMember {
  nodeId: string;
  request(pattern: string, data: unknown): Promise<unknown>;
  event(pattern: string, data: unknown): Promise<void>;
  close(): void;
  /** Bytes straight onto the authenticated connection, past our own encoder. */
  writeRaw(bytes: Buffer): void;
  /** Ends our side after what was written. */
  end(): void;
  readonly isOpen: boolean;
  /** Resolves when the connection closed (either side). */
  readonly closed: Promise<void>;
}

export function connectHostileMember(address: string, options: { secret?: string; clusterId?: string } = {}): Promise<HostileMember> {
  const nodeId = randomBytes(8).toString('hex');
  const security = new TransportSecurity(ephemeralNodeKey());
  const local = {
    clusterId: options.clusterId ?? 'p2p-storage',
    nodeId,
    advertise: '127.0.0.1:1',
    role: 'peer' as const,
    fingerprint: security.fingerprint,
    secrets: new Keyring(options.secret ? [options.secret] : []),
  };
  return wrap(nodeId, PeerConnection.connect(address, { local, security }));
}

/** A client that proves the API token `token`, as the CLI does (no key of its own). */
export function connectHostileClient(address: string, token: string): Promise<HostileMember> {
  const nodeId = randomBytes(16).toString('hex');
  const local = { clusterId: 'p2p-storage', nodeId, advertise: 'client:0', role: 'client' as const, fingerprint: '', secrets: new Keyring([token]) };
  return wrap(nodeId, PeerConnection.connect(address, { local, security: new TransportSecurity(undefined, noPins) }));
}

async function wrap(nodeId: string, connecting: Promise<PeerConnection>): Promise<HostileMember> {
  const conn = await connecting;
  const closed = new Promise<void>((resolve) => (conn.isOpen ? conn.once('close', () => resolve()) : resolve()));
  return {
    nodeId,
    request: (pattern, data) => conn.request(pattern, data),
    event: (pattern, data) => conn.event(pattern, data),
    close: () => conn.close(),
    writeRaw: (bytes) => void conn.socket.write(bytes),
    end: () => conn.socket.end(),
    get isOpen() {
      return conn.isOpen;
    },
    closed,
  };
}
