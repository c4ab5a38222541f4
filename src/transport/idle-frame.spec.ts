/**
 * A half-received frame with no new byte for idleFrameTimeoutMs closes its connection; one
 * whose bytes keep coming, however slowly, does not (each read moves the deadline).
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

const IDLE_MS = 400;
const frame = encodeFrame({ type: FrameType.Request, correlationId: 2 ** 31, pattern: 'echo', body: encodeBody({ pad: 'x'.repeat(2000) }) });

describe('a half-received frame', { timeout: 30_000 }, () => {
  let server: net.Server;
  let address = '';

  before(async () => {
    const { identity, security } = testNode('a1'.repeat(16));
    server = security.createServer((socket) => {
      PeerConnection.accept(socket, {
        local: identity.local(),
        security,
        limits: { ...DEFAULT_LIMITS, idleFrameTimeoutMs: IDLE_MS },
        inbound: { request: async () => ({ ok: true }), event: () => undefined },
      });
    }, 5_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const connect = async (nodeId: string) => {
    const { identity, security } = testNode(nodeId);
    return PeerConnection.connect(address, { local: identity.local(), security });
  };

  it('closes the connection once no byte came for the idle timeout', async () => {
    const client = await connect('b2'.repeat(16));
    const started = Date.now();
    let closedAt = 0;
    client.once('close', () => (closedAt = Date.now()));
    client.socket.write(frame.subarray(0, 100));
    await waitFor(() => closedAt > 0, { timeoutMs: 10_000, description: 'the server to close the stalled connection' });
    assert.ok(closedAt - started >= IDLE_MS * 0.9, `closed after ${closedAt - started} ms, before the ${IDLE_MS} ms idle timeout`);
  });

  it('keeps a connection whose frame arrives slowly but steadily, and answers it', async () => {
    const client = await connect('c3'.repeat(16));
    let closed = false;
    client.once('close', () => (closed = true));
    // The trickled frame takes three idle timeouts to arrive, a piece every quarter of one.
    const pieces = 12;
    const size = Math.ceil(frame.length / pieces);
    for (let i = 0; i < pieces; i++) {
      client.socket.write(frame.subarray(i * size, (i + 1) * size));
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 4));
      assert.equal(closed, false, `closed after piece ${i + 1} of ${pieces}`);
    }
    // Frames are handled in order: this one is answered only if the trickled one was read whole.
    assert.deepEqual(await client.request('echo', {}), { ok: true });
    assert.equal(client.isOpen, true);
    client.close();
  });
});
