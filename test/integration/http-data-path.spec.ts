/**
 * The HTTP data path: HEAD answers from the manifest alone (it used to stream the whole file,
 * so a HEAD of a file whose chunk is gone here failed), and the server has no overall request
 * deadline (Node's default 300 s would cut a long upload) but an idle one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { NodeClient } from '../../src/cli/node-client';
import { StoragePatterns } from '../../src/storage/storage.types';
import { P2pError } from '../../src/common/errors';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const downloadsInProgress = async (node: TestNode) => Number(/^p2p_http_downloads_in_progress (\d+)/m.exec(await (await fetch(`http://${node.http}/metrics`)).text())?.[1]);

describe('HTTP data path', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  before(async () => {
    a = await harness.start({ name: 'a' });
  });
  after(() => harness.stopAll());

  it('answers HEAD from the manifest without reading a chunk', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const put = await fetch(`http://${a.http}/v1/files/head-me`, { method: 'PUT', body });
    assert.equal(put.status, 200);
    // Take the chunk files away: a HEAD that read them would fail.
    const blobs = path.join(a.dir, 'blobs');
    for (const prefix of fs.readdirSync(blobs).filter((d) => /^[0-9a-f]{2}$/.test(d))) fs.rmSync(path.join(blobs, prefix), { recursive: true });
    const head = await fetch(`http://${a.http}/v1/files/head-me`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(body.length));
    assert.match(head.headers.get('etag') ?? '', /^"[0-9a-f]{64}"$/);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('ends a GET whose client left while the node waited for drain, and lets go of its chunk', async () => {
    const body = crypto.randomBytes(24 * 1024 * 1024);
    assert.equal((await fetch(`http://${a.http}/v1/files/big`, { method: 'PUT', body })).status, 200);
    const [host, port] = [a.http.slice(0, a.http.lastIndexOf(':')), Number(a.http.slice(a.http.lastIndexOf(':') + 1))];
    // Readers that take the first bytes and then stop reading: the node's writes fill the
    // socket buffers and it waits for 'drain', which never comes once they are gone.
    const readers = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect(port, host, () => socket.write('GET /v1/files/big HTTP/1.1\r\nHost: a\r\n\r\n'));
            socket.once('data', () => {
              socket.pause();
              resolve(socket);
            });
            socket.once('error', reject);
          }),
      ),
    );
    await waitFor(async () => (await downloadsInProgress(a)) === 3, { description: 'three downloads in progress' });
    readers.forEach((s) => s.destroy());
    await waitFor(async () => (await downloadsInProgress(a)) === 0, { timeoutMs: 10_000, description: 'the abandoned downloads to end' });
    const again = await fetch(`http://${a.http}/v1/files/big`);
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(body), 'the file is still served whole');
  });

  it('closes an idle upload but lets a slow one that keeps sending run past the idle timeout', async () => {
    const slow = await harness.start({ name: 'idle-2s', args: ['--http-idle-timeout', '2s'] });
    const [host, port] = [slow.http.slice(0, slow.http.lastIndexOf(':')), Number(slow.http.slice(slow.http.lastIndexOf(':') + 1))];
    // An upload that sends its headers and ten bytes of a 100,000-byte body, then nothing.
    const idle = net.connect(port, host, () => idle.write('PUT /v1/files/idle HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n0123456789'));
    let closedAt = 0;
    idle.on('close', () => (closedAt = Date.now()));
    idle.on('error', () => undefined);
    const openedAt = Date.now();
    // One that sends a piece every 500 ms for 5 s: longer than the idle timeout, never idle for it.
    const pieces = Array.from({ length: 10 }, () => crypto.randomBytes(1000));
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host, port, method: 'PUT', path: '/v1/files/slow', headers: { 'Content-Length': 10_000 } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      void (async () => {
        for (const piece of pieces) {
          req.write(piece);
          await delay(500);
        }
        req.end();
      })();
    });
    assert.equal(status, 200, 'the slow upload is stored');
    const stored = await fetch(`http://${slow.http}/v1/files/slow`);
    assert.ok(Buffer.from(await stored.arrayBuffer()).equals(Buffer.concat(pieces)));
    await waitFor(() => closedAt > 0, { timeoutMs: 15_000, description: 'the idle upload to be closed' });
    assert.ok(closedAt - openedAt >= 1_500, `closed after ${closedAt - openedAt} ms, not before the idle timeout`);
    assert.equal((await fetch(`http://${slow.http}/v1/files/idle`)).status, 404, 'nothing of the idle upload was stored');
  });

  it('keeps a kept-alive connection idle between requests open for --http-idle-timeout, not Node\'s 5 s', async () => {
    // A proxy in front reuses its idle connections for up to its own idle timeout: a node that
    // closed them sooner would race the proxy's next request on them (502s).
    const node = await harness.start({ name: 'keep-alive-7s', args: ['--http-idle-timeout', '7s'] });
    const port = Number(node.http.slice(node.http.lastIndexOf(':') + 1));
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n'));
    socket.on('error', () => undefined);
    let reply = '';
    let answeredAt = 0;
    let closedAt = 0;
    socket.on('data', (d) => {
      reply += d;
      if (!answeredAt && /\r\n\r\n/.test(reply)) answeredAt = Date.now();
    });
    socket.on('close', () => (closedAt = Date.now()));
    await waitFor(() => closedAt > 0, { timeoutMs: 20_000, description: 'the idle connection to be closed' });
    assert.match(reply, /^HTTP\/1\.1 200 /);
    assert.match(reply, /\r\nKeep-Alive: timeout=7\r\n/i, 'the client is told how long the node keeps the connection');
    assert.ok(answeredAt > 0 && closedAt - answeredAt >= 6_500, `closed ${closedAt - answeredAt} ms after the answer, before the 7 s idle timeout`);
  });

  it('caps the uploads one client may have open', async () => {
    const client = NodeClient.fromOptions({ bootstrap: a.p2p });
    try {
      for (let i = 0; i < 8; i++) await client.call(StoragePatterns.clientStoreBegin, { key: `open-${i}` });
      await assert.rejects(client.call(StoragePatterns.clientStoreBegin, { key: 'one-too-many' }), (err: unknown) => {
        assert.ok(err instanceof P2pError);
        assert.equal(err.code, 'TOO_MANY_UPLOADS');
        return true;
      });
    } finally {
      client.close();
    }
  });
});
