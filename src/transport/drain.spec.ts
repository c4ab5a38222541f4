/**
 * Draining a connection (a keyring entry it was admitted with was removed) fails nothing in
 * flight: the request already sent is answered, then the connection closes; the client's next
 * request goes on a new connection.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { PeerConnection } from './peer-connection';
import { TcpTransportClient } from './tcp-transport.client';
import { testNode } from '../../test/helpers/stand-in-node';
import { waitFor } from '../../test/helpers/wait-for';

describe('draining a connection', { timeout: 20_000 }, () => {
  let server: net.Server;
  let address = '';
  const accepted: PeerConnection[] = [];
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;
  const handlerEntered = new Promise<void>((resolve) => (entered = resolve));

  before(async () => {
    const { identity, security } = testNode('a1'.repeat(16));
    server = security.createServer((socket) => {
      accepted.push(
        PeerConnection.accept(socket, {
          local: identity.local(),
          security,
          inbound: {
            request: (pattern) => {
              if (pattern !== 'slow') return Promise.resolve('quick answer');
              entered();
              return new Promise((resolve) => (release = () => resolve('slow answer')));
            },
            event: () => undefined,
          },
        }),
      );
    }, 5_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers the request in flight, closes, and the next request reconnects', async () => {
    const { identity, security } = testNode('b2'.repeat(16));
    const sut = new TcpTransportClient(address, () => ({ local: identity.local(), security }));
    const first = await sut.connect();
    const inFlight = first.request('slow', {});
    // The server side drains while 'slow' is still being handled.
    await handlerEntered;
    accepted[0].drain();
    await waitFor(() => !first.acceptsRequests, { description: 'the client to read the GoAway' });
    assert.equal(first.isOpen, true, 'the connection waits for the answer');
    assert.equal(sut.isConnected, false, 'the client no longer sends new requests on it');
    release();
    assert.equal(await inFlight, 'slow answer');
    await new Promise((r) => (first.isOpen ? first.once('close', r) : r(undefined)));
    const second = await sut.connect();
    assert.notEqual(second, first, 'a new connection');
    assert.equal(await second.request('quick', {}), 'quick answer');
    sut.close();
  });
});
