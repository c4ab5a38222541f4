/**
 * A stand-in node on 127.0.0.1 for unit specs of the transport's users: our TLS, our handshake
 * and our frames, with the requests answered by the spec's own handler. Open (no secret).
 */
import * as net from 'node:net';
import { Keyring } from '../../src/transport/keyring';
import { NodeIdentity } from '../../src/transport/node-identity';
import { InboundHandler, PeerConnection } from '../../src/transport/peer-connection';
import { ephemeralNodeKey } from '../../src/transport/tls/node-key';
import { TransportSecurity } from '../../src/transport/tls/transport-security';

export interface StandIn {
  address: string;
  close(): Promise<void>;
}

/** A node's identity and key material in memory, for either end of a test connection. */
export function testNode(nodeId: string, secrets: string[] = []): { identity: NodeIdentity; security: TransportSecurity } {
  const security = new TransportSecurity(ephemeralNodeKey());
  const identity = new NodeIdentity({ nodeId, clusterId: 'p2p-storage', secrets: new Keyring(secrets), fingerprint: security.fingerprint, listenHost: '127.0.0.1', explicitAdvertise: undefined });
  return { identity, security };
}

export async function startStandIn(inbound: InboundHandler, nodeId = 'a1'.repeat(16)): Promise<StandIn> {
  const { identity, security } = testNode(nodeId);
  const server = security.createServer((socket) => PeerConnection.accept(socket, { local: identity.local(), security, inbound }), 5_000);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
