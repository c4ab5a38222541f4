import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalIdentity, acceptReply, checkAccept, createHello, newNonce, replyToHello, handshakeReasonLabel } from './handshake';

const server: LocalIdentity = { clusterId: 'c1', nodeId: 'a'.repeat(32), advertise: '127.0.0.1:3000', role: 'peer', secret: 's3cret' };
const client: LocalIdentity = { clusterId: 'c1', nodeId: 'b'.repeat(32), advertise: '127.0.0.1:4000', role: 'peer', secret: 's3cret' };

function run(srv: LocalIdentity, cli: LocalIdentity) {
  const serverNonce = newNonce();
  const clientNonce = newNonce();
  const hello = createHello(srv, serverNonce);
  const reply = replyToHello(cli, hello, clientNonce);
  if ('refuse' in reply) return { refusedBy: 'client', reason: reply.refuse };
  const accept = acceptReply(srv, reply.reply, serverNonce, '127.0.0.1');
  if ('refuse' in accept) return { refusedBy: 'server', reason: accept.refuse };
  const problem = checkAccept(cli, accept.accept, hello, clientNonce);
  if (problem) return { refusedBy: 'client', reason: problem };
  return { peer: accept.peer };
}

describe('handshake', () => {
  it('accepts both sides with the same secret and names the peer', () => {
    const sut = run(server, client);
    assert.deepEqual(sut.peer, { nodeId: client.nodeId, advertise: client.advertise, role: 'peer', clusterId: 'c1' });
  });

  it('accepts an open cluster where neither side has a secret', () => {
    assert.ok(run({ ...server, secret: undefined }, { ...client, secret: undefined }).peer);
  });

  it('refuses a wrong secret on the server side', () => {
    const sut = run(server, { ...client, secret: 'other' });
    assert.equal(sut.refusedBy, 'server');
    assert.match(sut.reason!, /secret mismatch/);
    assert.equal(handshakeReasonLabel(sut.reason!), 'secret');
  });

  it('refuses a client without a secret, and a server without one', () => {
    assert.equal(run(server, { ...client, secret: undefined }).refusedBy, 'server');
    // The open server already notices the client's proof, so it refuses first.
    assert.match(run({ ...server, secret: undefined }, client).reason!, /has a cluster secret/);
  });

  it('refuses another cluster id and another protocol version', () => {
    assert.match(run(server, { ...client, clusterId: 'c2' }).reason!, /cluster id/);
    const hello = { ...createHello(server, newNonce()), version: 99 };
    const reply = replyToHello(client, hello, newNonce());
    assert.ok('refuse' in reply && /protocol version/.test(reply.refuse));
  });

  it('refuses a proof replayed from another challenge', () => {
    const first = replyToHello(client, createHello(server, newNonce()), newNonce());
    assert.ok('reply' in first);
    const accept = acceptReply(server, first.reply, newNonce(), '127.0.0.1');
    assert.ok('refuse' in accept);
  });

  it('rejects hostile shapes without throwing', () => {
    for (const junk of [null, 1, 'x', [], { version: 1 }, { ...createHello(server, newNonce()), nodeId: '../../etc' }]) {
      const reply = replyToHello(client, junk, newNonce());
      assert.ok('refuse' in reply);
      assert.ok('refuse' in acceptReply(server, junk, newNonce(), 'h'));
    }
  });
});
