/**
 * A malformed or hostile peer costs one connection, never the node: garbage, an oversized
 * length prefix, a stalled half frame, a request before the handshake. After each the node
 * still stores, serves and gossips.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import { runCli } from '../helpers/cli-runner';
import { waitFor } from '../helpers/wait-for';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { encodeFrame } from '../../src/transport/codec/frame-encoder';
import { FrameType } from '../../src/transport/codec/frame';
import { encodeBody } from '../../src/transport/codec/body';
import { connectTls, splitAddress } from '../helpers/tls-probe';

/**
 * Opens a socket (plain TCP, or TLS as a node speaks it when `inTls`), writes `bytes`, and
 * resolves when the node closes it (or rejects after timeoutMs).
 */
async function sendAndAwaitClose(address: string, bytes: Buffer, timeoutMs = 15_000, inTls = false): Promise<number> {
  const { host, port } = splitAddress(address);
  const started = Date.now();
  const tlsSocket = inTls ? await connectTls(address) : undefined;
  return new Promise((resolve, reject) => {
    const socket = tlsSocket ?? net.connect({ host, port });
    if (tlsSocket) tlsSocket.write(bytes);
    else socket.once('connect', () => socket.write(bytes));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`node kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('hostile peers', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let b: TestNode;
  let file: string;

  before(async () => {
    [a, b] = await harness.chain(2);
    file = path.join(harness.dir('hostile'), 'f.txt');
    fs.writeFileSync(file, 'still here');
  });
  after(() => harness.stopAll());

  async function assertServing(key: string): Promise<void> {
    assert.ok(a.process.exitCode === null && a.process.signalCode === null, 'node process alive');
    const store = await runCli(['store', key, file, '--bootstrap', a.p2p]);
    assert.equal(store.code, 0, store.stderr);
    const get = await runCli(['get', key, '--bootstrap', b.p2p]);
    assert.equal(get.stdout, 'still here');
  }

  it('closes a connection that sends garbage', async () => {
    await sendAndAwaitClose(a.p2p, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3)));
    await assertServing('after-garbage');
  });

  it('closes a connection that announces an oversized frame, before reading its body', async () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(0xffffffff);
    await sendAndAwaitClose(a.p2p, head);
    await assertServing('after-oversize');
  });

  it('closes a connection that is not TLS at all, at once', async () => {
    const frame = encodeFrame({ type: FrameType.HelloReply, correlationId: 0, pattern: '', body: encodeBody({ x: 'y'.repeat(100) }) });
    const ms = await sendAndAwaitClose(a.p2p, frame.subarray(0, 20), 20_000);
    assert.ok(ms < 1000, `closed after ${ms} ms`);
    await waitFor(() => /handshake refused from .*tls: /.test(a.logs()), { description: 'the refusal logged with reason tls' });
  });

  it('closes a connection that starts a frame inside TLS and stalls', async () => {
    const frame = encodeFrame({ type: FrameType.HelloReply, correlationId: 0, pattern: '', body: encodeBody({ x: 'y'.repeat(100) }) });
    const ms = await sendAndAwaitClose(a.p2p, frame.subarray(0, 20), 20_000, true);
    assert.ok(ms >= 1000, `closed after ${ms} ms, by the handshake or idle deadline`);
    await assertServing('after-stall');
  });

  it('closes a connection that sends a request instead of a handshake', async () => {
    const frame = encodeFrame({ type: FrameType.Request, correlationId: 1, pattern: 'client.delete', body: encodeBody({ key: 'after-garbage' }) });
    await sendAndAwaitClose(a.p2p, frame);
    await sendAndAwaitClose(a.p2p, frame, 15_000, true);
    await assertServing('after-early-request');
    assert.match(a.logs(), /closed connection|handshake refused/);
  });

  it('survives a hundred random byte strings', async () => {
    const samples = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 2048 }), { numRuns: 100, seed: 42 });
    await Promise.all(samples.map((bytes) => sendAndAwaitClose(a.p2p, Buffer.from(bytes), 20_000).catch(() => 0)));
    await assertServing('after-fuzz');
  });
});
