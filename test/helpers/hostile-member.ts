/**
 * A member that holds the cluster secret (or joins an open cluster) and lies: it passes the
 * handshake with a node id of its own, then sends whatever frames a test gives it. Dialled with
 * the project's own connection code, so a change of handshake changes this one place.
 */
import { randomBytes } from 'node:crypto';
import { PeerConnection } from '../../src/transport/peer-connection';
import { Keyring } from '../../src/transport/keyring';
import { ephemeralNodeKey } from '../../src/transport/tls/node-key';
import { TransportSecurity } from '../../src/transport/tls/transport-security';

export interface HostileMember {
  nodeId: string;
  request(pattern: string, data: unknown): Promise<unknown>;
  event(pattern: string, data: unknown): Promise<void>;
  close(): void;
}

export async function connectHostileMember(address: string, options: { secret?: string; clusterId?: string } = {}): Promise<HostileMember> {
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
  const conn = await PeerConnection.connect(address, { local, security });
  return {
    nodeId,
    request: (pattern, data) => conn.request(pattern, data),
    event: (pattern, data) => conn.event(pattern, data),
    close: () => conn.close(),
  };
}
