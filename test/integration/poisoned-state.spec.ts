/**
 * A member that holds the cluster secret cannot poison what every node believes: a version
 * that is not a version stamp, or that lies hours ahead of the receiver's clock, is refused;
 * so is an incarnation far ahead of any a member can have reached, which before would have
 * left the member unable to refute (its refutation overflowed the wire's integer check).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { connectHostileMember, HostileMember } from '../helpers/hostile-member';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { placeKey } from '../../src/storage/placement';

const SECRET = 'poison test secret';
// Clients prove the API token, never the cluster secret.
const env = { P2P_API_TOKEN: 'poison-token' };

interface PeerJson {
  nodeId: string;
  status: string;
  incarnation: number;
}

async function peersOf(node: TestNode): Promise<PeerJson[]> {
  const res = await fetch(`http://${node.http}/v1/peers`, { headers: { authorization: 'Bearer poison-token' } });
  assert.equal(res.status, 200);
  return (await res.json()) as PeerJson[];
}

/** The error a lie was answered with, or "accepted". */
function lie(send: () => Promise<unknown>): Promise<string> {
  return send().then(() => 'accepted', (err: Error) => err.message);
}

describe('a member with the secret cannot poison state', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let b: TestNode;
  let liar: HostileMember;
  let file: string;

  before(async () => {
    const args = ['--cluster-secret', SECRET, '--api-token', 'poison-token', '--replicas', '2'];
    a = await harness.start({ name: 'a', args });
    b = await harness.start({ name: 'b', bootstrap: [a.p2p], args });
    await waitFor(async () => (await peersOf(a)).some((p) => p.nodeId === b.nodeId && p.status === 'alive'), { description: 'A and B to join' });
    liar = await connectHostileMember(a.p2p, { secret: SECRET });
    file = path.join(harness.dir('poison'), 'f.txt');
    fs.writeFileSync(file, 'honest bytes');
  });
  after(async () => {
    liar?.close();
    await harness.stopAll();
  });

  it('refuses a tombstone whose version is not a version stamp, so the key stays writable', async () => {
    const answer = await lie(() => liar.request('storage.tombstone.apply', { key: 'tilde', version: '~' }));
    const store = await runCli(['store', 'tilde', file, '--bootstrap', a.p2p], { env });
    assert.equal(store.code, 0, store.stderr);
    assert.match(answer, /not a version stamp/);
    const get = await runCli(['get', 'tilde', '--bootstrap', a.p2p], { env });
    assert.equal(get.stdout, 'honest bytes');
    const del = await runCli(['delete', 'tilde', '--bootstrap', a.p2p], { env });
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await runCli(['get', 'tilde', '--bootstrap', a.p2p], { env })).code, 3);
  });

  it('refuses a tombstone dated hours ahead of its clock', async () => {
    const future = `${String(Date.now() + 10 * 3600_000).padStart(15, '0')}.000000.${liar.nodeId}`;
    const answer = await lie(() => liar.request('storage.tombstone.apply', { key: 'ahead', version: future }));
    const store = await runCli(['store', 'ahead', file, '--bootstrap', a.p2p], { env });
    assert.equal(store.code, 0, store.stderr);
    assert.match(answer, /ahead of this node's clock/);
    const del = await runCli(['delete', 'ahead', '--bootstrap', a.p2p], { env });
    assert.equal(del.code, 0, del.stderr);
  });

  it('refuses an accusation at an incarnation no member can have reached, so the accused stays alive', async () => {
    const before = (await peersOf(a)).find((p) => p.nodeId === b.nodeId)!;
    await liar.event('gossip.swim', {
      type: 'gossip',
      from: { nodeId: liar.nodeId, address: '127.0.0.1:1', incarnation: 1 },
      updates: [{ nodeId: b.nodeId, address: b.p2p, state: 'dead', incarnation: Number.MAX_SAFE_INTEGER }],
    });
    // Frames on one connection are handled in order: once the liar itself is listed, the
    // accusation that came with it has been judged.
    await waitFor(async () => (await peersOf(a)).some((p) => p.nodeId === liar.nodeId), { description: 'A to list the liar' });
    const after = (await peersOf(a)).find((p) => p.nodeId === b.nodeId)!;
    assert.equal(after.status, 'alive');
    assert.equal(after.incarnation, before.incarnation);
    // The liar is a known member now, so a store counts it in its placement: use a key that
    // placement gives to A and B, whose quorum needs the accused B (a lie believed would fail it).
    const ids = [a.nodeId, b.nodeId, liar.nodeId];
    const key = Array.from({ length: 100 }, (_, i) => `after-lie-${i}`).find((k) => !placeKey(k, ids, 2).includes(liar.nodeId))!;
    const store = await runCli(['store', key, file, '--bootstrap', a.p2p], { env });
    assert.equal(store.code, 0, store.stderr);
  });
});
