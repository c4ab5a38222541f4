/**
 * Key pins spread by gossip. C has only heard of A (from B, after A died): it pins A's key
 * from B's gossip, so an impostor that comes up with A's node id (A's database, a new key) is
 * refused by C on first contact, in both directions. Then the documented replacement: A's key
 * was replaced on purpose, `p2p peers --forget <A>` on C and on B, and both admit the new key;
 * meanwhile B keeps its pin against C's gossip of the new key and logs the conflict.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, alivePeerIds, logsOnFailure, waitForMesh } from '../helpers/node-harness';
import { readDb } from '../helpers/node-db';
import { waitFor } from '../helpers/wait-for';
import { certificateFingerprint } from '../../src/transport/tls/node-key';

const fingerprintOf = (node: TestNode) => certificateFingerprint(new X509Certificate(fs.readFileSync(`${node.dbPath}.cert.pem`)));

async function pinOf(node: TestNode, nodeId: string): Promise<string | undefined> {
  const rows = await readDb<{ fingerprint: string }>(node.dbPath, 'SELECT fingerprint FROM peer_keys WHERE nodeId = ?', [nodeId]);
  return rows[0]?.fingerprint;
}

async function keyRefusals(node: TestNode): Promise<number> {
  const text = await (await fetch(`http://${node.http}/metrics`)).text();
  return Number(/^p2p_handshake_failures_total\{reason="key"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function peerStatus(node: TestNode, nodeId: string): Promise<string | undefined> {
  const peers = (await (await fetch(`http://${node.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
  return peers.find((p) => p.nodeId === nodeId)?.status;
}

describe('key pins spread by gossip', { timeout: 120_000 }, () => {
  const harness = new NodeHarness();
  const nodes: TestNode[] = [];
  after(() => harness.stopAll());

  it('a node that only heard of A refuses an impostor under A\'s id; --forget on every node admits a key replaced on purpose', () =>
    logsOnFailure(() => nodes, async () => {
      const a = await harness.start({ name: 'a' });
      const b = await harness.start({ name: 'b', bootstrap: [a.p2p] });
      nodes.push(a, b);
      await waitForMesh([a, b]);
      const keyA = fingerprintOf(a);
      await waitFor(async () => (await pinOf(b, a.nodeId)) === keyA, { description: 'B to pin A' });

      // A goes down and B declares it dead before C joins through B, so C never meets A and, by
      // the membership rule (a dead member nobody told it of alive is not taken in), does not
      // even list it: its pin for A can only come from B's gossip of A's record. Waiting for the
      // death first is what makes this one story: a C that joined before it would list A alive
      // from B, and an A still alive in C's view is no test of the impostor below.
      await a.kill();
      await waitFor(async () => (await peerStatus(b, a.nodeId)) === 'dead', { timeoutMs: 30_000, description: 'B to see A dead' });
      const c = await harness.start({ name: 'c', bootstrap: [b.p2p] });
      nodes.push(c);
      await waitFor(async () => (await pinOf(c, a.nodeId)) === keyA, { description: 'C to pin A\'s key from gossip' });

      // An impostor: A's node id (its database), a key of its own, at A's address; it dials C too.
      const dir = harness.dir('impostor');
      for (const f of fs.readdirSync(a.dir)) if (/^p2p\.db(-wal|-shm)?$/.test(f)) fs.copyFileSync(path.join(a.dir, f), path.join(dir, f));
      const impostor = await harness.start({ name: 'impostor', dir, listen: a.p2p, bootstrap: [c.p2p] });
      nodes.push(impostor);
      assert.equal(impostor.nodeId, a.nodeId);
      assert.notEqual(fingerprintOf(impostor), keyA);
      await waitFor(async () => (await keyRefusals(c)) >= 1, { description: 'C to refuse the impostor for its key' });
      assert.match(c.logs(), new RegExp(`key: node ${a.nodeId} showed key`));
      assert.equal(await pinOf(c, a.nodeId), keyA, 'C kept A\'s pin');
      assert.ok(!(await alivePeerIds(c)).includes(a.nodeId), 'C does not take the impostor for A');

      // A's key was replaced on purpose: forget it on every other node (C first, while B still
      // pins and gossips the old key), and both admit the new one.
      const newKey = fingerprintOf(impostor);
      assert.equal((await runCli(['peers', '--db', c.dbPath, '--forget', a.nodeId])).code, 0);
      await waitFor(async () => (await pinOf(c, a.nodeId)) === newKey, { timeoutMs: 30_000, description: 'C to pin the new key' });
      // B, not told yet, hears the new key from C's gossip: it keeps its pin and says so.
      await waitFor(() => new RegExp(`key conflict: .* gossiped key ${newKey.slice(0, 16)}… for node ${a.nodeId}, pinned here as ${keyA.slice(0, 16)}…; the pin stays`).test(b.logs()), {
        timeoutMs: 30_000,
        description: 'B to log the conflicting gossiped key',
      });
      assert.equal(await pinOf(b, a.nodeId), keyA);
      assert.equal((await runCli(['peers', '--db', b.dbPath, '--forget', a.nodeId])).code, 0);
      await waitFor(async () => (await pinOf(b, a.nodeId)) === newKey, { timeoutMs: 30_000, description: 'B to pin the new key' });
      await waitForMesh([b, c, impostor]);
      assert.equal(await pinOf(c, a.nodeId), newKey, 'C did not take the old key back from gossip');
    }));
});
