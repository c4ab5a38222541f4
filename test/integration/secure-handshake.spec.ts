/**
 * The admission proof is bound to the TLS channel and to both keys: a relay that terminates
 * TLS towards each node, a replayed handshake and a reflected proof are refused, and so is a
 * known node id showing another key, until the operator forgets its pin on purpose.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, freePort } from '../helpers/node-harness';
import { FrameChannel, connectTls } from '../helpers/tls-probe';
import { TcpRelay } from '../helpers/tcp-relay';
import { waitFor } from '../helpers/wait-for';
import { FrameType } from '../../src/transport/codec/frame';
import { decodeBody, encodeBody } from '../../src/transport/codec/body';
import { LocalIdentity, newNonce, replyToHello } from '../../src/transport/handshake/handshake';
import { Keyring } from '../../src/transport/keyring';
import { ephemeralNodeKey, nodeKeyPaths } from '../../src/transport/tls/node-key';
import { TransportSecurity } from '../../src/transport/tls/transport-security';

const SECRET = ['--cluster-secret', 'correct horse'];

interface PeerJson {
  nodeId: string;
  status: string;
}

const isAlive = async (dbPath: string, nodeId: string) => (await cliJson<PeerJson[]>(['peers', '--db', dbPath])).some((p) => p.nodeId === nodeId && p.status === 'alive');

describe('channel-bound admission', { timeout: 120_000 }, () => {
  const harness = new NodeHarness();
  const closers: Array<() => void> = [];
  after(async () => {
    for (const close of closers) close();
    await harness.stopAll();
  });

  /** A TLS server with a key of its own, as a relay or an impostor would run. */
  async function tlsServer(onSecure: (socket: tls.TLSSocket) => void): Promise<{ address: string; fingerprint: string }> {
    const material = ephemeralNodeKey();
    const server = tls.createServer({ key: material.key, cert: material.cert, ca: [], requestCert: true, rejectUnauthorized: false }, onSecure);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    return { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, fingerprint: material.fingerprint };
  }

  it('refuses a relay that terminates TLS towards each node, even one that rewrites the key fingerprints', async () => {
    const a = await harness.start({ name: 'a', args: SECRET });
    const material = ephemeralNodeKey();
    const relay = await tlsServer(async (fromB) => {
      const toA = await connectTls(a.p2p, { material });
      const [b, aSide] = [new FrameChannel(fromB), new FrameChannel(toA)];
      closers.push(() => fromB.destroy(), () => toA.destroy());
      // Forward every frame, with the handshake's fingerprints replaced by the relay's own.
      const forward = async (from: FrameChannel, to: FrameChannel, fingerprint: string) => {
        for (let f = await from.next(); f; f = await from.next()) {
          if (f.type === FrameType.Hello || f.type === FrameType.HelloReply) {
            f = { ...f, body: encodeBody({ ...(decodeBody(f.body) as object), fingerprint }) };
          }
          to.sendFrame(f);
        }
      };
      void forward(aSide, b, relay.fingerprint);
      void forward(b, aSide, material.fingerprint);
    });
    const b = await harness.start({ name: 'b', bootstrap: [relay.address], args: SECRET });
    await waitFor(() => /handshake refused from .*cluster secret mismatch/.test(a.logs()), { description: 'A to refuse the relayed proof' });
    assert.equal(await isAlive(a.dbPath, b.nodeId), false, 'A never admits B through the relay');
    assert.equal(await isAlive(b.dbPath, a.nodeId), false, 'B never admits A through the relay');
  });

  it('refuses a handshake replayed on another connection, as TLS bytes or as a proof', async () => {
    const a = await harness.start({ name: 'a', args: SECRET });
    const material = ephemeralNodeKey();
    const me: LocalIdentity = { clusterId: 'p2p-storage', nodeId: 'feed'.repeat(8), advertise: '127.0.0.1:1', role: 'peer', fingerprint: material.fingerprint, secrets: new Keyring(['correct horse']) };
    const security = new TransportSecurity(material);
    const handshake = async () => {
      const socket = await connectTls(a.p2p, { material });
      const channel = new FrameChannel(socket);
      const hello = await channel.nextBody();
      assert.equal(hello?.type, FrameType.Hello);
      const answer = replyToHello(me, hello!.body, newNonce(), security.channelFacts(socket));
      assert.ok('reply' in answer, 'our own client builds a valid reply');
      return { channel, reply: answer.reply };
    };
    // A proof made on connection 1 is good there...
    const first = await handshake();
    first.channel.send(FrameType.HelloReply, first.reply);
    assert.equal((await first.channel.nextBody())?.type, FrameType.HelloAccept, 'the honest handshake is accepted');
    first.channel.socket.destroy();
    // ...and refused on connection 2, whose TLS session and challenge differ.
    const second = await handshake();
    second.channel.send(FrameType.HelloReply, first.reply);
    const refusal = await second.channel.nextBody();
    assert.equal(refusal?.type, FrameType.HelloReject);
    assert.match(String(refusal?.body.reason), /cluster secret mismatch/);

    // The bytes of a whole good connection, sent again, do not even pass TLS.
    const recorder = await TcpRelay.start();
    closers.push(() => void recorder.close());
    recorder.forwardTo(a.p2p);
    const recorded: Buffer[] = [];
    const socket = await connectTls(recorder.address, { material });
    const channel = new FrameChannel(socket);
    const hello = await channel.nextBody();
    const answer = replyToHello(me, hello!.body, newNonce(), security.channelFacts(socket));
    assert.ok('reply' in answer);
    channel.send(FrameType.HelloReply, answer.reply);
    assert.equal((await channel.nextBody())?.type, FrameType.HelloAccept);
    socket.destroy();
    for (const chunk of recorder.sent('toTarget')) recorded.push(chunk);
    const replay = net.connect(Number(a.p2p.split(':')[1]), '127.0.0.1');
    replay.on('error', () => undefined);
    replay.resume(); // read what the node answers, so its close is seen
    replay.on('connect', () => replay.write(Buffer.concat(recorded)));
    await new Promise((resolve) => replay.on('close', resolve));
    assert.match(a.logs(), /handshake refused from .*tls: /);
  });

  it("refuses a dialled impostor that reflects the node's own proof back as its answer", async () => {
    const impostor = await tlsServer((socket) => {
      closers.push(() => socket.destroy());
      const channel = new FrameChannel(socket);
      channel.send(FrameType.Hello, { version: 2, clusterId: 'p2p-storage', nodeId: 'dead'.repeat(8), advertise: '127.0.0.1:1', nonce: newNonce(), fingerprint: impostor.fingerprint });
      void channel.nextBody().then((reply) => {
        if (reply?.type !== FrameType.HelloReply) return;
        channel.send(FrameType.HelloAccept, { keyId: reply.body.keyId, proof: reply.body.proof, observedHost: '127.0.0.1' });
      });
    });
    const b = await harness.start({ name: 'b', bootstrap: [impostor.address], args: SECRET });
    await waitFor(() => new RegExp(`handshake refused from ${impostor.address}: the node's proof of the cluster secret does not match`).test(b.logs()), {
      description: 'B to refuse the reflected proof',
    });
    assert.equal(await isAlive(b.dbPath, 'dead'.repeat(8)), false);
  });

  it('refuses another key under a known node id until its pin is forgotten', async () => {
    const a = await harness.start({ name: 'a', args: SECRET });
    const port = await freePort();
    const bOptions = { name: 'b', bootstrap: [a.p2p], listen: `127.0.0.1:${port}`, args: SECRET };
    let b = await harness.start(bOptions);
    await waitFor(() => isAlive(a.dbPath, b.nodeId), { description: 'A to admit B' });
    await b.stop();
    // B gets a new key under its old id and address.
    for (const file of Object.values(nodeKeyPaths(b.dbPath))) fs.rmSync(file);
    b = await harness.start({ ...bOptions, dir: b.dir });
    await waitFor(() => new RegExp(`key: node ${b.nodeId} showed key`).test(a.logs()), { description: 'A to refuse B for its new key' });
    assert.match(a.logs(), /p2p peers forget|peers --forget/);

    const forget = await runCli(['peers', '--db', a.dbPath, '--forget', b.nodeId]);
    assert.equal(forget.code, 0, forget.stderr);
    await waitFor(() => isAlive(a.dbPath, b.nodeId), { description: 'A to admit B with its new key once forgotten' });
    const unknown = await runCli(['peers', '--db', a.dbPath, '--forget', 'ab'.repeat(16)]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /not known/);
  });
});
