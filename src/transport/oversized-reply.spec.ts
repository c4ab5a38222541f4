/**
 * A reply whose JSON is over the 1 MiB body limit becomes an error response to that request;
 * the connection stays open and answers the next request. (It used to be sent anyway, and the
 * receiver's decoder then closed the connection, failing every request in flight on it.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { P2pError } from '../common/errors';
import { MAX_JSON_BYTES } from './codec/body';
import { NodeIdentity } from './node-identity';
import { PeerConnection } from './peer-connection';

describe('an oversized reply', { timeout: 20_000 }, () => {
  let server: net.Server;
  let client: PeerConnection;
  const identity = (id: string) => new NodeIdentity({ nodeId: id.repeat(16), clusterId: 'p2p-storage', secret: undefined, listenHost: '127.0.0.1', explicitAdvertise: undefined });

  before(async () => {
    server = net.createServer((socket) =>
      PeerConnection.accept(socket, identity('a1').local(), {
        request: async (pattern) => (pattern === 'big' ? { entries: 'x'.repeat(MAX_JSON_BYTES + 10) } : { ok: true }),
        event: () => undefined,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    client = await PeerConnection.connect(`127.0.0.1:${port}`, identity('b2').local());
  });
  after(async () => {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is answered with REPLY_TOO_LARGE and the connection keeps serving', async () => {
    await assert.rejects(client.request('big', {}), (err: unknown) => {
      assert.ok(err instanceof P2pError);
      assert.equal(err.code, 'REPLY_TOO_LARGE');
      assert.match(err.message, /reply to "big"/);
      return true;
    });
    assert.equal(client.isOpen, true);
    assert.deepEqual(await client.request('small', {}), { ok: true });
  });

  it('is refused before it is sent when it is a request', async () => {
    await assert.rejects(client.request('small', { pad: 'y'.repeat(MAX_JSON_BYTES + 1) }), (err: unknown) => err instanceof P2pError && err.code === 'BODY_TOO_LARGE');
    assert.deepEqual(await client.request('small', {}), { ok: true });
  });
});
