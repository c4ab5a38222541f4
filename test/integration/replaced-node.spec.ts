/**
 * A node replaced at the same address (a new node id behind host:port) must not be taken for
 * the one it replaced: a request meant for a node id is refused with a typed error when another
 * node answers, so its reply is never counted as that holder's confirmation.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PeerConnectionPool } from '../../src/transport/connection-pool';
import { PeerIdentityMismatchError } from '../../src/transport/transport.errors';
import { StoragePatterns } from '../../src/storage/storage.types';
import { placeKey } from '../../src/storage/placement';
import { readDb } from '../helpers/node-db';
import { NodeHarness, freePort, waitForMesh } from '../helpers/node-harness';
import { testNode } from '../helpers/stand-in-node';
import { testCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

describe('a request meant for one node id', () => {
  const harness = new NodeHarness();
  const { identity, security } = testNode(randomBytes(16).toString('hex'));
  const pool = new PeerConnectionPool(identity, security);
  after(async () => {
    pool.closeAll();
    await harness.stopAll();
  });

  it('is refused when another node answers at the address, and answered by the right one', async () => {
    const node = await harness.start({ name: 'replacement' });
    const replaced = randomBytes(16).toString('hex');
    await assert.rejects(pool.request(node.p2p, StoragePatterns.manifestGet, { key: 'k' }, 5000, replaced), (err: unknown) => {
      assert.ok(err instanceof PeerIdentityMismatchError);
      assert.equal(err.code, 'PEER_IDENTITY_MISMATCH');
      assert.equal(err.expected, replaced);
      assert.equal(err.actual, node.nodeId);
      return true;
    });
    const report = await pool.request<{ manifest: unknown }>(node.p2p, StoragePatterns.manifestGet, { key: 'k' }, 5000, node.nodeId);
    assert.equal(report.manifest, null);
  });
});

describe('a node replaced at the same address', () => {
  const { harness, client: clientOf } = testCluster();

  it("is not counted as the old holder's confirmation, and counts as itself where it is placed", async () => {
    // Probes far apart: the others still believe the old node alive after it is replaced, so
    // only the node id check tells the two apart (the window before failure detection).
    const args = ['--replicas', '3', '--write-quorum', '2', '--gossip-override', 'probeIntervalMs=60s,probeTimeoutMs=30s'];
    const a = await harness.start({ name: 'a', args });
    const b = await harness.start({ name: 'b', bootstrap: [a.p2p], args });
    const old = await harness.start({ name: 'old', listen: `127.0.0.1:${await freePort()}`, bootstrap: [a.p2p], args });
    await waitForMesh([a, b, old]);
    await old.kill();
    const replacement = await harness.start({ name: 'replacement', listen: old.p2p, bootstrap: [a.p2p], args });
    const peersOfA = async () => (await (await fetch(`http://${a.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
    await waitFor(async () => (await peersOfA()).some((p) => p.nodeId === replacement.nodeId && p.status === 'alive'), { description: 'a to know the replacement' });
    assert.equal((await peersOfA()).find((p) => p.nodeId === old.nodeId)?.status, 'alive', 'a still believes the old node alive');

    const ids = [a, b, old, replacement].map((n) => n.nodeId);
    const placedOn = (members: string[]) => {
      for (let i = 0; ; i++) {
        const key = `photo-${i}`;
        if (placeKey(key, ids, 3).sort().join() === [...members].sort().join()) return key;
      }
    };
    const store = async (key: string) => {
      return clientOf(a, '30s').store(key, (async function* () { yield Buffer.from(`the bytes of ${key}`); })());
    };

    const onOld = placedOn([a.nodeId, b.nodeId, old.nodeId]);
    const stored = await store(onOld);
    assert.deepEqual(stored.holders.sort(), [a.nodeId, b.nodeId, old.nodeId].sort(), 'placement still counts the old node');
    assert.deepEqual(stored.confirmed.sort(), [a.nodeId, b.nodeId].sort(), 'the answer at its address was not taken for the old node');
    const held = await readDb<{ key: string }>(replacement.dbPath, 'SELECT key FROM files WHERE key = ?', [onOld]);
    assert.deepEqual(held, [], 'the replacement was not given the copy meant for the old node');

    const onReplacement = placedOn([a.nodeId, b.nodeId, replacement.nodeId]);
    const second = await store(onReplacement);
    assert.deepEqual(second.confirmed.sort(), [a.nodeId, b.nodeId, replacement.nodeId].sort(), 'the replacement confirms as itself');
  });
});
