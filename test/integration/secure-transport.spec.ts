/**
 * TLS on every connection, seen from outside: a relay the test runs records every byte two
 * nodes and the CLI exchange (each node advertises its relay, so all traffic passes one) and
 * finds neither a stored file's bytes nor its key; a byte flipped in a TLS record ends that
 * connection only; a client connection may call client operations and nothing else.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { TcpRelay } from '../helpers/tcp-relay';
import { waitFor } from '../helpers/wait-for';
import { PeerConnection } from '../../src/transport/peer-connection';
import { Keyring } from '../../src/transport/keyring';
import { TransportSecurity } from '../../src/transport/tls/transport-security';
import { P2pError } from '../../src/common/errors';

const SECRET = ['--cluster-secret', 'correct horse', '--api-token', 'client token'];
const CLIENT_ENV = { P2P_API_TOKEN: 'client token' };

function listenAddress(node: TestNode): string {
  return /listen=(\S+)/.exec(node.logs())![1];
}

describe('secure transport', () => {
  const harness = new NodeHarness();
  const relays: TcpRelay[] = [];
  after(async () => {
    await Promise.all(relays.map((r) => r.close()));
    await harness.stopAll();
  });

  /** Two nodes, each reached only through its own recording relay. */
  async function relayedPair(env: NodeJS.ProcessEnv = {}): Promise<{ nodes: TestNode[]; relays: TcpRelay[] }> {
    const [ra, rb] = [await TcpRelay.start(), await TcpRelay.start()];
    relays.push(ra, rb);
    const a = await harness.start({ name: 'a', args: [...SECRET, '--advertise', ra.address, '--replicas', '2'], env });
    ra.forwardTo(listenAddress(a));
    const b = await harness.start({ name: 'b', bootstrap: [ra.address], args: [...SECRET, '--advertise', rb.address, '--replicas', '2'], env });
    rb.forwardTo(listenAddress(b));
    await waitFor(() => /Connected to/.test(a.logs()) && /Connected to/.test(b.logs()), { description: 'A and B to see each other' });
    return { nodes: [a, b], relays: [ra, rb] };
  }

  async function storeAndGetThroughRelays(env: NodeJS.ProcessEnv, marker: string, key: string) {
    const { nodes, relays: pair } = await relayedPair(env);
    const file = path.join(harness.dir('capture'), 'f.bin');
    fs.writeFileSync(file, Buffer.concat([randomBytes(100_000), Buffer.from(marker.repeat(50)), randomBytes(100_000)]));
    const store = await runCli(['store', key, file, '--bootstrap', pair[1].address], { env: { ...CLIENT_ENV, ...env } });
    assert.equal(store.code, 0, store.stderr);
    const get = await runCli(['get', key, '--bootstrap', pair[0].address], { env: { ...CLIENT_ENV, ...env } });
    assert.equal(get.code, 0, get.stderr);
    assert.ok(get.stdoutBytes.equals(fs.readFileSync(file)), 'the file comes back whole');
    await Promise.all(nodes.map((n) => n.stop()));
    return Buffer.concat(pair.map((r) => r.capture()));
  }

  it('carries neither a file nor its key in the clear (and the same run without TLS shows both)', async () => {
    const marker = `PRIVATE-MARKER-${randomBytes(8).toString('hex')}`;
    const key = `secret-key-${randomBytes(8).toString('hex')}`;
    const captured = await storeAndGetThroughRelays({}, marker, key);
    assert.ok(captured.length > 200_000, `the relays saw the transfer (${captured.length} bytes)`);
    for (const needle of [marker, key, 'storage.chunk.put', 'client.store.chunk', 'gossip.swim', 'p2p-storage']) {
      assert.equal(captured.indexOf(needle), -1, `"${needle}" is not in the capture`);
    }
    // The control: the capture does see plaintext when there is some.
    const plain = await storeAndGetThroughRelays({ P2P_BENCH_PLAINTEXT_TRANSPORT: '1' }, marker, key);
    assert.notEqual(plain.indexOf(marker), -1, 'the control run shows the marker');
    assert.notEqual(plain.indexOf(key), -1, 'and the key');
  });

  it('closes only the connection whose TLS record was changed; the node keeps serving', async () => {
    let flipped = false;
    const tamper = await TcpRelay.start({
      tamper: (direction, chunk, offset) => {
        // Well past the handshake, inside the upload of the first chunk.
        if (direction === 'toTarget' && !flipped && offset + chunk.length > 50_000) {
          chunk[Math.max(0, 50_000 - offset)] ^= 0x01;
          flipped = true;
        }
        return chunk;
      },
    });
    relays.push(tamper);
    const [a, b] = await harness.chain(2, { args: SECRET });
    tamper.forwardTo(a.p2p);
    const file = path.join(harness.dir('tamper'), 'f.bin');
    fs.writeFileSync(file, randomBytes(300_000));
    const broken = await runCli(['store', 'tampered', file, '--bootstrap', tamper.address], { env: CLIENT_ENV });
    assert.ok(flipped, 'the relay changed a byte');
    assert.notEqual(broken.code, 0, 'the store over the changed connection fails');
    await waitFor(() => /closed connection .*TLS_RECORD/.test(a.logs()), { description: `A to close that connection as a bad TLS record (stderr: ${broken.stderr}) ${a.logs()}` });
    assert.equal(a.process.exitCode, null, 'A still runs');
    const store = await runCli(['store', 'after-tamper', file, '--bootstrap', a.p2p], { env: CLIENT_ENV });
    assert.equal(store.code, 0, store.stderr);
    const get = await runCli(['get', 'after-tamper', '--bootstrap', b.p2p], { env: CLIENT_ENV });
    assert.ok(get.stdoutBytes.equals(fs.readFileSync(file)), 'B still reaches A and serves the file');
  });

  it('refuses member operations on a client connection, and closes it', async () => {
    const [a] = await harness.chain(1, { args: SECRET });
    const file = path.join(harness.dir('client-ops'), 'keep.txt');
    fs.writeFileSync(file, 'keep me');
    assert.equal((await runCli(['store', 'keep', file, '--bootstrap', a.p2p], { env: CLIENT_ENV })).code, 0);
    const local = { clusterId: 'p2p-storage', nodeId: 'c0ffee'.repeat(4), advertise: 'client:0', role: 'client' as const, fingerprint: '', secrets: new Keyring(['client token']) };
    const connect = () => PeerConnection.connect(a.p2p, { local, security: new TransportSecurity(undefined) });
    const memberRequests: Array<[string, object]> = [
      ['storage.tombstone.apply', { key: 'keep', version: '~' }],
      ['storage.manifest.abort', { key: 'keep' }],
      ['storage.sync.digest', {}],
      ['storage.chunk.get', { hash: '0'.repeat(64) }],
    ];
    for (const [pattern, body] of memberRequests) {
      const conn = await connect();
      const closed = new Promise((resolve) => conn.once('close', resolve));
      await assert.rejects(conn.request(pattern, body), (err: P2pError) => err.code === 'CLIENT_NOT_ALLOWED', pattern);
      await closed;
    }
    const gossip = await connect();
    const closed = new Promise((resolve) => gossip.once('close', resolve));
    await gossip.event('gossip.swim', { type: 'ping', from: 'x' });
    await closed;
    assert.match(a.logs(), /CLIENT_NOT_ALLOWED/);
    const get = await runCli(['get', 'keep', '--bootstrap', a.p2p], { env: CLIENT_ENV });
    assert.equal(get.stdout, 'keep me', 'nothing a client sent reached the node');
  });
});
