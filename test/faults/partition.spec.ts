/**
 * A 5-node cluster (--replicas 3) partitioned 2|3 by iptables while both sides take stores,
 * overwrites and deletes, then healed. Every op's outcome goes into a ledger (acked with its
 * version, failed, or unknown after a timeout); after the heal:
 *   - no store was acknowledged with fewer confirmations from the key's full placement (over
 *     all five nodes) than the write quorum: not by the minority, which has at most two of
 *     any key's three holders (issue #11 item 14), nor by the majority (item 3);
 *   - within 30 s of the heal, each key's placed holders have its winning copy, and no node
 *     holds a deleted key;
 *   - a read through every node gives the newest acknowledged write (or the outcome of an op
 *     the client never heard back about); no deleted key comes back.
 * The workload is drawn from fixed seeds; the nodes' logs are printed when a check fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { placeKey } from '../../src/storage/placement';
import { placementProblems, readProblems } from '../helpers/cluster-state';
import { FaultCluster } from '../helpers/fault-cluster';
import { requireNetFaults } from '../helpers/net-faults';
import { waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { WriteLedger } from '../helpers/write-ledger';
import { runWorkload } from '../helpers/workload';

const REPLICAS = 3;
const QUORUM = 2;
const MINORITY = [0, 1];
const MAJORITY = [2, 3, 4];
const PRE_KEYS = Array.from({ length: 20 }, (_, i) => `pre-${i}`);

describe('a 2|3 partition during stores, overwrites and deletes (root, iptables)', requireNetFaults(), () => {
  const cluster = new FaultCluster();
  const ledger = new WriteLedger();
  let healedAt = 0;

  before(() =>
    cluster.logsOnFailure(async () => {
      const nodes = await cluster.start(5, { args: ['--replicas', String(REPLICAS)] });
      for (const key of PRE_KEYS) {
        const e = await ledger.store(nodes[PRE_KEYS.indexOf(key) % 5], key, Buffer.from(`${key} before the partition`));
        assert.equal(e.outcome, 'acked', ledger.describe(key));
      }
      cluster.partition(MINORITY, MAJORITY);
      await Promise.all([
        runWorkload(ledger, { seed: 101, side: 'minority', via: MINORITY.map((i) => nodes[i]), sharedKeys: PRE_KEYS, ops: 14, workers: 2 }),
        runWorkload(ledger, { seed: 202, side: 'majority', via: MAJORITY.map((i) => nodes[i]), sharedKeys: PRE_KEYS, ops: 14, workers: 2 }),
      ]);
      assert.ok(cluster.net.droppedPackets() > 0, 'the partition dropped packets');
      cluster.heal();
      healedAt = Date.now();
      await waitForMesh(nodes, 30_000);
      process.stderr.write(`partition workload: ${JSON.stringify(ledger.counts())}\n`);
    }),
  );
  after(() => cluster.close());

  it('no store is acknowledged with fewer than a write quorum of its full placement, on either side', () =>
    cluster.logsOnFailure(async () => {
      const ids = cluster.nodes.map((n) => n.nodeId);
      const short: string[] = [];
      for (const e of ledger.entries.filter((x) => x.op === 'store' && x.outcome === 'acked' && x.result)) {
        const placed = placeKey(e.key, ids, REPLICAS);
        const confirmedPlaced = e.result!.confirmed.filter((id) => placed.includes(id));
        if (confirmedPlaced.length < QUORUM) short.push(`${e.key} via ${e.via}: ${confirmedPlaced.length} of its placed holders confirmed (${e.result!.confirmed.length} in all, quorum ${e.result!.writeQuorum})`);
      }
      assert.deepEqual(short, [], `acked with less than a quorum of the full placement:\n${short.join('\n')}`);
    }));

  it('placement is restored within 30 s of the heal, deleted keys held nowhere', () =>
    cluster.logsOnFailure(async () => {
      let last: string[] = [];
      await waitFor(async () => (last = await placementProblems(ledger, cluster.nodes, REPLICAS)).length === 0, {
        timeoutMs: Math.max(1, healedAt + 30_000 - Date.now()),
        description: 'every key on its placed holders at its winning version',
      }).catch(() => assert.fail(`30 s after the heal:\n${last.join('\n')}\n--- ledger of those keys ---\n${problemKeys(last).map((k) => ledger.describe(k)).join('\n')}`));
    }));

  it('every acknowledged write is readable through every node; no deleted key comes back', () =>
    cluster.logsOnFailure(async () => {
      const problems = await readProblems(ledger, cluster.nodes);
      assert.deepEqual(problems, [], `${problems.join('\n')}\n--- ledger of those keys ---\n${problemKeys(problems).map((k) => ledger.describe(k)).join('\n')}`);
    }));
});

function problemKeys(problems: string[]): string[] {
  return [...new Set(problems.map((p) => p.split(/[: ]/)[0]))];
}
