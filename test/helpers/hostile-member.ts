/**
 * A member that holds the cluster secret (or joins an open cluster) and lies: it passes the
 * handshake with a node id of its own, then sends whatever frames a test gives it. Dialled with
 * the project's own connection code, so a change of handshake changes this one place.
 */
import { randomBytes } from 'node:crypto';
import { PeerConnection } from '../../src/transport/peer-connection';

export interface HostileMember {
  nodeId: string;
  request(pattern: string, data: unknown): Promise<unknown>;
  event(pattern: string, data: unknown): Promise<void>;
  close(): void;
}

export async function connectHostileMember(address: string, options: { secret?: string; clusterId?: string } = {}): Promise<HostileMember> {
  const nodeId = randomBytes(8).toString('hex');
  const conn = await PeerConnection.connect(address, {
    clusterId: options.clusterId ?? 'p2p-storage',
    nodeId,
    advertise: '127.0.0.1:1',
    role: 'peer',
    secret: options.secret,
  });
  return {
    nodeId,
    request: (pattern, data) => conn.request(pattern, data),
    event: (pattern, data) => conn.event(pattern, data),
    close: () => conn.close(),
  };
}
