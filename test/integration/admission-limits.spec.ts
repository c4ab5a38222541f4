/**
 * Connection caps on real nodes: pending handshakes per remote address and overall, open p2p
 * connections, HTTP connections, and the pre-handshake frame limit. A socket beyond a cap is
 * closed unread, before TLS (the node sends it nothing, not even a ServerHello); the node logs
 * it (rate-limited), counts it, and serves again once the sockets that filled the cap are gone.
 * The p2p probes speak TLS, as a peer would, and then stay silent in our handshake.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { encodeFrame } from '../../src/transport/codec/frame-encoder';
import { FrameType } from '../../src/transport/codec/frame';
import { encodeBody } from '../../src/transport/codec/body';
import { dialTls, splitAddress } from '../helpers/tls-probe';

interface Probe {
  socket: net.Socket;
  /** Resolves with the bytes the node sent before it closed the socket. */
  closed: Promise<number>;
  /** Resolves once the node sent its first byte (its Hello: the socket was admitted). */
  greeted: Promise<void>;
  /** Resolves once TCP (or TLS) is up. */
  connected: Promise<void>;
}

/** A TLS socket to a p2p port: `greeted` once the node's Hello arrived inside TLS. */
function openTls(address: string): Probe {
  return probe(dialTls(address), 'secureConnect');
}

/** A plain TCP socket (the HTTP port). */
function openTcp(address: string): Probe {
  const { host, port } = splitAddress(address);
  return probe(net.connect({ host, port }), 'connect');
}

/** `received` counts bytes of our protocol for TLS (decrypted), of HTTP for TCP. */
function probe(socket: net.Socket, connectEvent: string): Probe {
  const connected = new Promise<void>((r) => socket.once(connectEvent, () => r()));
  let received = 0;
  let greet: () => void = () => undefined;
  const greeted = new Promise<void>((r) => (greet = r));
  socket.on('data', (d) => {
    received += d.length;
    greet();
  });
  socket.on('error', () => undefined);
  return { socket, greeted, connected, closed: new Promise((resolve) => socket.on('close', () => resolve(received))) };
}

async function metric(http: string, name: string, reason: string): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const m = new RegExp(`^${name}\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('admission limits', () => {
  const harness = new NodeHarness();
  const probes: Probe[] = [];
  after(async () => {
    for (const p of probes) p.socket.destroy();
    await harness.stopAll();
  });

  it('caps pending handshakes per address, closing the next socket unread, and admits again once they are gone', async () => {
    const node = await harness.start({ name: 'per-host', args: ['--max-handshakes-per-host', '3'] });
    const file = path.join(harness.dir('admission'), 'f.txt');
    fs.writeFileSync(file, 'admitted');
    const idle = [openTls(node.p2p), openTls(node.p2p), openTls(node.p2p)];
    probes.push(...idle);
    await Promise.all(idle.map((p) => p.greeted));
    const refused = openTls(node.p2p);
    probes.push(refused);
    assert.equal(await refused.closed, 0, 'the fourth socket got nothing and was closed');
    const cli = await runCli(['store', 'k', file, '--bootstrap', node.p2p]);
    assert.notEqual(cli.code, 0, 'a client from the same address waits for a free slot like anyone');
    assert.ok((await metric(node.http, 'p2p_connections_refused_total', 'pending_per_host')) >= 2);
    assert.match(node.logs(), /refused connection from 127\.0\.0\.1:\d+: 3 handshakes in progress from this address \(--max-handshakes-per-host\)/);
    for (const p of idle) p.socket.destroy();
    await waitFor(async () => (await runCli(['store', 'k', file, '--bootstrap', node.p2p])).code === 0, { description: 'the store to be admitted again' });
    assert.equal((await runCli(['get', 'k', '--bootstrap', node.p2p])).stdout, 'admitted');
  });

  it('caps pending handshakes overall and open connections', async () => {
    const node = await harness.start({ name: 'caps', args: ['--max-handshakes', '2', '--max-connections', '3'] });
    const idle = [openTls(node.p2p), openTls(node.p2p)];
    probes.push(...idle);
    await Promise.all(idle.map((p) => p.greeted));
    const third = openTls(node.p2p);
    probes.push(third);
    assert.equal(await third.closed, 0);
    assert.equal(await metric(node.http, 'p2p_connections_refused_total', 'pending'), 1);
    for (const p of idle) p.socket.destroy();
    // One authenticated connection (a second node) and two pending ones reach --max-connections 3.
    const peer = await harness.start({ name: 'peer', bootstrap: [node.p2p] });
    await waitFor(async () => (await (await fetch(`http://${node.http}/v1/peers`)).json() as Array<{ nodeId: string }>).some((p) => p.nodeId === peer.nodeId), {
      description: 'the peer to join',
    });
    await waitFor(async () => {
      const more = [openTls(node.p2p), openTls(node.p2p), openTls(node.p2p)];
      probes.push(...more);
      const bytes = await Promise.race([more[2].closed, more[2].greeted.then(() => -1)]);
      for (const p of more) p.socket.destroy();
      return bytes === 0 && (await metric(node.http, 'p2p_connections_refused_total', 'connections')) >= 1;
    }, { description: 'a socket beyond --max-connections to be closed unread' });
  });

  it('closes a connection whose first frame inside TLS is larger than a handshake needs', async () => {
    const node = await harness.start({ name: 'frame-cap' });
    const probe = openTls(node.p2p);
    probes.push(probe);
    await probe.greeted;
    const big = encodeFrame({ type: FrameType.HelloReply, correlationId: 0, pattern: '', body: encodeBody({ pad: 'x'.repeat(9000) }) });
    probe.socket.write(big.subarray(0, 4));
    await probe.closed;
    await waitFor(() => /closed connection 127\.0\.0\.1:\d+: FRAME_TOO_LARGE/.test(node.logs()), { description: 'the node to log the frame' });
  });

  it('caps HTTP connections', async () => {
    const node = await harness.start({ name: 'http-cap', args: ['--http-max-connections', '2'] });
    const held = [openTcp(node.http), openTcp(node.http)];
    probes.push(...held);
    await Promise.all(held.map((p) => p.connected));
    // The server counts a socket once it accepted it: wait until a third one is turned away.
    await waitFor(async () => {
      const third = openTcp(node.http);
      probes.push(third);
      third.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const bytes = await third.closed;
      return bytes === 0;
    }, { description: 'a third HTTP connection to be closed unanswered' });
    for (const p of held) p.socket.destroy();
    await waitFor(async () => (await fetch(`http://${node.http}/healthz`)).ok, { description: 'HTTP to answer again' });
  });
});
