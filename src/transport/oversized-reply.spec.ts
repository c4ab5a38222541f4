/**
 * A reply whose JSON is over the 1 MiB body limit becomes an error response to that request;
 * the connection stays open and answers the next request. (It used to be sent anyway, and the
 * receiver's decoder then closed the connection, failing every request in flight on it.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { P2pError } from '../common/errors';
import { MAX_JSON_BYTES } from './codec/body';
import { PeerConnection } from './peer-connection';
import { StandIn, startStandIn, testNode } from '../../test/helpers/stand-in-node';

describe('an oversized reply', { timeout: 20_000 }, () => {
  let server: StandIn;
  let client: PeerConnection;

  before(async () => {
    server = await startStandIn({
      request: async (pattern) => (pattern === 'big' ? { entries: 'x'.repeat(MAX_JSON_BYTES + 10) } : { ok: true }),
      event: () => undefined,
    });
    const { identity, security } = testNode('b2'.repeat(16));
    client = await PeerConnection.connect(server.address, { local: identity.local(), security });
  });
  after(async () => {
    client.close();
    await server.close();
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
