/**
 * Admission as the server applies it: a connection stops counting as a pending handshake once
 * its handshake completed, with TLS and in the benchmark's plaintext mode (where the server's
 * own connection listener runs before the admission listener).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PeerConnection } from '../peer-connection';
import { TcpTransportServer } from '../tcp-transport.server';
import { TransportSecurity } from '../tls/transport-security';
import { ephemeralNodeKey } from '../tls/node-key';
import { Keyring } from '../keyring';
import { NodeIdentity } from '../node-identity';
import { testNode } from '../../../test/helpers/stand-in-node';

/** A test node; in plaintext mode it names no key fingerprint, as a node then does. */
function node(nodeId: string, plaintext: boolean): { identity: NodeIdentity; security: TransportSecurity } {
  if (!plaintext) return testNode(nodeId);
  const security = new TransportSecurity(ephemeralNodeKey(), undefined, true);
  const identity = new NodeIdentity({ nodeId, clusterId: 'p2p-storage', secrets: new Keyring([]), fingerprint: '', listenHost: '127.0.0.1', explicitAdvertise: undefined });
  return { identity, security };
}

async function listening(plaintext: boolean): Promise<{ server: TcpTransportServer; address: string }> {
  const { identity, security } = node('a1'.repeat(16), plaintext);
  let address = '';
  const server = new TcpTransportServer({
    host: '127.0.0.1',
    port: 0,
    identity: () => identity.local(),
    security,
    admission: { maxConnections: 100, maxPending: 2, maxPendingPerHost: 2 },
    onListening: (a) => (address = a),
  });
  await new Promise<void>((resolve, reject) => server.listen((err) => (err ? reject(err) : resolve())));
  return { server, address };
}

for (const plaintext of [false, true]) {
  describe(`${TcpTransportServer.name} admission (${plaintext ? 'plaintext benchmark mode' : 'TLS'})`, { timeout: 20_000 }, () => {
    it('admits more authenticated connections from one host than --max-handshakes-per-host', async () => {
      const { server, address } = await listening(plaintext);
      const client = node('b2'.repeat(16), plaintext);
      const open: PeerConnection[] = [];
      try {
        for (let i = 0; i < 5; i++) open.push(await PeerConnection.connect(address, { local: client.identity.local(), security: client.security }));
        assert.equal(open.filter((c) => c.isOpen).length, 5);
      } finally {
        for (const c of open) c.close();
        await server.close();
      }
    });
  });
}
