/**
 * The network-fault helper does what the other fault tests rely on: a partition between live
 * nodes (each its own Unix user) cuts traffic both ways, on connections either side opened, so
 * each side declares the other dead; a heal brings them back; a client run by the test reaches
 * both sides throughout; and no rule or chain outlives the test.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { FaultCluster } from '../helpers/fault-cluster';
import { CHAIN_PREFIX, requireNetFaults } from '../helpers/net-faults';
import { TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

async function statusOf(observer: TestNode, target: TestNode): Promise<string | undefined> {
  const peers = (await (await fetch(`http://${observer.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
  return peers.find((p) => p.nodeId === target.nodeId)?.status;
}

const chainsInPlace = (chain: string) => ['mangle', 'filter'].filter((t) => execFileSync('iptables', ['-w', '5', '-t', t, '-S'], { encoding: 'utf8' }).includes(`-N ${chain}`));

describe('network faults between live nodes (root, iptables)', requireNetFaults(), () => {
  const cluster = new FaultCluster();
  after(() => cluster.close());

  it('a partition cuts both ways and heals; the test client reaches both sides; the chains go away', () =>
    cluster.logsOnFailure(async () => {
      const [a, b, c] = await cluster.start(3);
      assert.ok(cluster.net.chain.startsWith(CHAIN_PREFIX));
      cluster.partition([0], [1, 2]);
      await waitFor(async () => (await statusOf(a, b)) === 'dead' && (await statusOf(a, c)) === 'dead' && (await statusOf(b, a)) === 'dead' && (await statusOf(c, a)) === 'dead', {
        timeoutMs: 20_000,
        description: 'both sides to declare the other dead',
      });
      assert.equal(await statusOf(b, c), 'alive', 'inside one side nothing changed');
      assert.ok(cluster.net.droppedPackets() > 0, 'the rules dropped packets');

      cluster.heal();
      await waitFor(async () => (await statusOf(a, b)) === 'alive' && (await statusOf(b, a)) === 'alive' && (await statusOf(c, a)) === 'alive', {
        timeoutMs: 30_000,
        description: 'everyone alive again after the heal',
      });

      const chain = cluster.net.chain;
      assert.deepEqual(chainsInPlace(chain), ['mangle', 'filter']);
      cluster.net.remove();
      assert.deepEqual(chainsInPlace(chain), [], 'no chain left after remove()');
    }));
});
