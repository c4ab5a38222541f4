/**
 * What a peer that floods requests can make a connection hold, found by the fuzz run against a
 * live node (test/faults/fuzz-live-node.spec.ts):
 * - at most maxInflightRequests of its requests run at once, even when one read brings
 *   hundreds of small request frames (all of them used to start at once);
 * - answers waiting for the socket to drain share one 'drain' listener (each added its own, and
 *   Node printed a MaxListenersExceededWarning for every such connection).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { DEFAULT_LIMITS, PeerConnection } from './peer-connection';
import { encodeFrame } from './codec/frame-encoder';
import { FrameType } from './codec/frame';
import { encodeBody } from './codec/body';
import { testNode } from '../../test/helpers/stand-in-node';
import { waitFor } from '../../test/helpers/wait-for';

/** `n` request frames in one buffer, with ids far above the client's own. */
function requests(n: number, pattern: string): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => encodeFrame({ type: FrameType.Request, correlationId: 2 ** 31 + i, pattern, body: encodeBody({ i }) })));
}

describe('a peer that floods requests', { timeout: 30_000 }, () => {
  let server: net.Server;
  let address = '';
  const accepted: net.Socket[] = [];
  let running = 0;
  let maxRunning = 0;
  let answered = 0;

  before(async () => {
    const { identity, security } = testNode('a1'.repeat(16));
    server = security.createServer((socket) => {
      accepted.push(socket);
      PeerConnection.accept(socket, {
        local: identity.local(),
        security,
        inbound: {
          request: async (pattern) => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            await new Promise((resolve) => setImmediate(resolve));
            running -= 1;
            answered += 1;
            return pattern === 'big' ? { pad: 'x'.repeat(256 * 1024) } : { ok: true };
          },
          event: () => undefined,
        },
      });
    }, 5_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it(`runs at most ${DEFAULT_LIMITS.maxInflightRequests} of them at once when one read brings hundreds`, async () => {
    const { identity, security } = testNode('b2'.repeat(16));
    const client = await PeerConnection.connect(address, { local: identity.local(), security });
    maxRunning = 0;
    answered = 0;
    client.socket.write(requests(500, 'small'));
    await waitFor(() => answered === 500, { description: 'all 500 requests to be answered' });
    assert.ok(maxRunning <= DEFAULT_LIMITS.maxInflightRequests, `${maxRunning} requests ran at once`);
    assert.ok(client.isOpen);
    assert.deepEqual(await client.request('small', {}), { ok: true });
    client.close();
  });

  it('waits for drain with one listener however many answers are queued', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const { identity, security } = testNode('c3'.repeat(16));
    const client = await PeerConnection.connect(address, { local: identity.local(), security });
    try {
      // We stop reading: the server's answers (256 KiB each) fill the socket and wait for drain.
      client.socket.pause();
      answered = 0;
      client.socket.write(requests(40, 'big'));
      await waitFor(() => answered >= 40, { description: 'the server to have answered all 40' });
      const serverSocket = accepted[accepted.length - 1];
      assert.ok(serverSocket.listenerCount('drain') <= 2, `${serverSocket.listenerCount('drain')} drain listeners on one socket`);
      client.socket.resume();
      assert.deepEqual(await client.request('small', {}), { ok: true });
      assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
    } finally {
      process.off('warning', onWarning);
      client.close();
    }
  });
});
