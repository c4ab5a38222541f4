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
import { NodeHarness } from '../helpers/node-harness';
import { testNode } from '../helpers/stand-in-node';

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
