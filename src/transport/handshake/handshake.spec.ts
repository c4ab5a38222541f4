import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ChannelFacts, LocalIdentity, acceptReply, checkAccept, createHello, newNonce, replyToHello, handshakeReasonLabel } from './handshake';
import { Keyring } from '../keyring';

const fpA = 'a'.repeat(64);
const fpB = 'b'.repeat(64);
const server: LocalIdentity = { clusterId: 'c1', nodeId: 'a'.repeat(32), advertise: '127.0.0.1:3000', role: 'peer', fingerprint: fpA, secrets: new Keyring(['s3cret']), clientTokens: new Keyring(['tok']) };
const client: LocalIdentity = { clusterId: 'c1', nodeId: 'b'.repeat(32), advertise: '127.0.0.1:4000', role: 'peer', fingerprint: fpB, secrets: new Keyring(['s3cret']) };
const cli: LocalIdentity = { clusterId: 'c1', nodeId: 'c'.repeat(32), advertise: 'client:0', role: 'client', fingerprint: '', secrets: new Keyring(['tok']) };

/** One TLS session as each end sees it: the same EKM, each other's certificate. */
function session(srv: LocalIdentity, cl: LocalIdentity, ekm = randomBytes(32).toString('hex')): { server: ChannelFacts; client: ChannelFacts } {
  return { server: { ekm, remoteFingerprint: cl.fingerprint }, client: { ekm, remoteFingerprint: srv.fingerprint } };
}

function run(srv: LocalIdentity, cl: LocalIdentity, channel = session(srv, cl)) {
  const serverNonce = newNonce();
  const clientNonce = newNonce();
  const hello = createHello(srv, serverNonce);
  const reply = replyToHello(cl, hello, clientNonce, channel.client);
  if ('refuse' in reply) return { refusedBy: 'client', reason: reply.refuse };
  const accept = acceptReply(srv, reply.reply, serverNonce, channel.server, '127.0.0.1');
  if ('refuse' in accept) return { refusedBy: 'server', reason: accept.refuse };
  const problem = checkAccept(cl, accept.accept, hello, clientNonce, channel.client);
  if (problem) return { refusedBy: 'client', reason: problem };
  return { peer: accept.peer };
}

describe('handshake', () => {
  it('accepts both sides with the same secret and names the peer, its key and the key id used', () => {
    const sut = run(server, client);
    assert.deepEqual(sut.peer, { nodeId: client.nodeId, advertise: client.advertise, role: 'peer', clusterId: 'c1', fingerprint: fpB, keyId: client.secrets.primary!.keyId });
  });

  it('accepts an open cluster where neither side has a secret, with key id "none"', () => {
    const open = { secrets: new Keyring(), clientTokens: new Keyring() };
    assert.equal(run({ ...server, ...open }, { ...client, ...open }).peer?.keyId, 'none');
  });

  it('refuses a wrong secret on the server side', () => {
    const sut = run(server, { ...client, secrets: new Keyring(['other']) });
    assert.equal(sut.refusedBy, 'server');
    assert.match(sut.reason!, /cluster secret mismatch/);
    assert.equal(handshakeReasonLabel(sut.reason!), 'secret');
  });

  it('accepts a secondary secret of the keyring, and the server proves back with the one the client used', () => {
    const rotating = { ...server, secrets: new Keyring(['new', 's3cret']) };
    assert.ok(run(rotating, client).peer, 'a node whose primary is new still admits the old primary');
    assert.ok(run(server, { ...client, secrets: new Keyring(['s3cret', 'new']) }).peer, 'and is admitted by a node that has only the old one');
    assert.equal(run({ ...server, secrets: new Keyring(['new']) }, client).refusedBy, 'server', 'a removed secret is refused');
  });

  it('refuses a client without a secret, and a server without one', () => {
    assert.equal(run(server, { ...client, secrets: new Keyring() }).refusedBy, 'server');
    // The open server already notices the client's proof, so it refuses first.
    assert.match(run({ ...server, secrets: new Keyring() }, client).reason!, /has a cluster secret/);
  });

  it('refuses another cluster id and another protocol version', () => {
    assert.match(run(server, { ...client, clusterId: 'c2' }).reason!, /cluster id/);
    const hello = { ...createHello(server, newNonce()), version: 1 };
    const reply = replyToHello(client, hello, newNonce(), session(server, client).client);
    assert.ok('refuse' in reply && /protocol version/.test(reply.refuse));
  });

  it('refuses a proof made on another TLS session (a relay terminating TLS towards each side)', () => {
    const toRelay = session(server, client);
    const fromRelay = { ...session(server, client), client: toRelay.client }; // two sessions, two EKMs
    const sut = run(server, client, fromRelay);
    assert.equal(sut.refusedBy, 'server');
    assert.match(sut.reason!, /cluster secret mismatch/);
  });

  it('refuses a proof replayed from another challenge', () => {
    const channel = session(server, client);
    const first = replyToHello(client, createHello(server, newNonce()), newNonce(), channel.client);
    assert.ok('reply' in first);
    assert.ok('refuse' in acceptReply(server, first.reply, newNonce(), channel.server, '127.0.0.1'));
  });

  it("refuses the server's own proof reflected back as a client's", () => {
    const channel = session(server, client);
    const serverNonce = newNonce();
    const reply = replyToHello(client, createHello(server, serverNonce), newNonce(), channel.client);
    assert.ok('reply' in reply);
    const accept = acceptReply(server, reply.reply, serverNonce, channel.server, 'h');
    assert.ok('accept' in accept);
    const reflected = { ...reply.reply, nodeId: server.nodeId.replace(/^a/, 'd'), nonce: reply.reply.nonce, proof: accept.accept.proof };
    assert.ok('refuse' in acceptReply(server, reflected, serverNonce, channel.server, 'h'));
  });

  it('refuses a fingerprint that is not the key TLS saw, and a node that shows no key', () => {
    const sut = run(server, client, { ...session(server, client), server: { ekm: 'ab'.repeat(32), remoteFingerprint: 'e'.repeat(64) } });
    assert.match(sut.reason!, /^key: /);
    assert.equal(handshakeReasonLabel(sut.reason!), 'key');
    assert.match(run(server, { ...client, fingerprint: '' }).reason!, /^key: /);
  });

  it('admits a client with the API token, never with the cluster secret, and limits nothing else', () => {
    assert.equal(run(server, cli).peer?.role, 'client');
    const withSecret = run(server, { ...cli, secrets: new Keyring(['s3cret']) });
    assert.match(withSecret.reason!, /API token mismatch/);
    assert.equal(handshakeReasonLabel(withSecret.reason!), 'token');
    assert.match(run({ ...server, clientTokens: new Keyring() }, cli).reason!, /has a cluster secret and no API token/);
    const open = { secrets: new Keyring(), clientTokens: new Keyring() };
    assert.equal(run({ ...server, ...open }, { ...cli, secrets: new Keyring() }).peer?.role, 'client', 'an open node admits a client with no token');
  });

  it('rejects hostile shapes without throwing', () => {
    const channel = session(server, client);
    for (const junk of [null, 1, 'x', [], { version: 2 }, { ...createHello(server, newNonce()), nodeId: '../../etc' }, { ...createHello(server, newNonce()), fingerprint: 7 }]) {
      const reply = replyToHello(client, junk, newNonce(), channel.client);
      assert.ok('refuse' in reply);
      assert.ok('refuse' in acceptReply(server, junk, newNonce(), channel.server, 'h'));
    }
  });
});
