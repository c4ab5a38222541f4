/**
 * SWIM on real processes on 127.0.0.1 (gossip profile `local`): a crashed node is declared
 * dead by every survivor within the profile's bound; a node paused for less than the suspicion
 * timeout refutes and is never declared dead; a node starved of CPU is not declared dead and
 * does not declare others dead; SIGTERM is seen as `left` by every survivor within 2 s.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { GOSSIP_PRESETS } from '../../src/gossip/gossip.presets';
import { suspicionBounds } from '../../src/gossip/swim/suspicion';
import { PROJECT_ROOT } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const local = GOSSIP_PRESETS.local;
const BUSY = path.join(PROJECT_ROOT, 'test', 'helpers', 'busy-loop.preload.js');

async function statusOf(observer: TestNode, target: TestNode): Promise<string | undefined> {
  const peers = (await (await fetch(`http://${observer.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
  return peers.find((p) => p.nodeId === target.nodeId)?.status;
}

const declaredDead = (observer: TestNode, target: TestNode) => new RegExp(`Peer ${target.p2p.replace(/\./g, '\\.')} declared dead`).test(observer.logs());

describe('SWIM on 10 real nodes', () => {
  const harness = new NodeHarness();
  let nodes: TestNode[];

  before(async () => {
    nodes = [await harness.start({ name: 'n0', nodeArgs: ['-r', BUSY] })];
    for (let i = 1; i < 10; i++) nodes.push(await harness.start({ name: `n${i}`, bootstrap: [nodes[i - 1].p2p], nodeArgs: ['-r', BUSY] }));
    await waitFor(async () => {
      for (const n of nodes) {
        const peers = (await (await fetch(`http://${n.http}/v1/peers`)).json()) as Array<{ status: string }>;
        if (peers.filter((p) => p.status === 'alive').length !== 9) return false;
      }
      return true;
    }, { timeoutMs: 20_000, description: 'all 10 nodes to list 9 alive peers' });
  });
  after(() => harness.stopAll());

  it('a node paused for less than the suspicion timeout refutes and is never declared dead', async () => {
    const paused = nodes[3];
    const pauseMs = Math.floor(suspicionBounds(local, 10).minMs * 0.6);
    paused.process.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, pauseMs)); // the pause itself is what is under test
    paused.process.kill('SIGCONT');
    await waitFor(async () => {
      for (const n of nodes) if (n !== paused && (await statusOf(n, paused)) !== 'alive') return false;
      return true;
    }, { timeoutMs: 10_000, description: 'everyone to see the paused node alive' });
    for (const n of nodes) assert.ok(!declaredDead(n, paused), `${n.name} never declared the paused node dead`);
  });

  it('a node starved of CPU is not declared dead and declares nobody dead', async () => {
    const busy = nodes[5];
    busy.process.kill('SIGUSR2');
    const started = Date.now();
    try {
      // Five seconds of starvation: longer than the suspicion timeout at this size.
      await waitFor(() => Date.now() - started > 5000, { timeoutMs: 10_000, intervalMs: 250 });
      for (const n of nodes) if (n !== busy) assert.notEqual(await statusOf(n, busy), 'dead', `${n.name} keeps the busy node`);
    } finally {
      busy.process.kill('SIGUSR2');
    }
    for (const n of nodes) assert.ok(!declaredDead(n, busy), `${n.name} never declared the busy node dead`);
    for (const n of nodes) if (n !== busy) assert.ok(!declaredDead(busy, n), `the busy node never declared ${n.name} dead`);
  });

  it('kill -9: every survivor declares the node dead within the bound', async () => {
    const victim = nodes[7];
    const bound = suspicionBounds(local, 10).maxMs + 4 * local.probeIntervalMs + 1000;
    const started = Date.now();
    await victim.kill();
    const survivors = nodes.filter((n) => n !== victim);
    await waitFor(async () => {
      for (const n of survivors) if ((await statusOf(n, victim)) !== 'dead') return false;
      return true;
    }, { timeoutMs: bound, intervalMs: 50, description: `every survivor to declare the killed node dead within ${bound} ms` });
    assert.ok(Date.now() - started <= bound);
  });

  it('SIGTERM: every survivor lists the node as left within 2 s', async () => {
    const leaving = nodes[8];
    const started = Date.now();
    const stopped = leaving.stop('SIGTERM');
    const survivors = nodes.filter((n) => n !== leaving && n !== nodes[7]);
    await waitFor(async () => {
      for (const n of survivors) if ((await statusOf(n, leaving)) !== 'left') return false;
      return true;
    }, { timeoutMs: 2000, intervalMs: 50, description: 'every survivor to list the node as left' });
    assert.ok(Date.now() - started <= 2000);
    assert.equal(await stopped, 0);
    for (const n of survivors) assert.ok(!declaredDead(n, leaving), `${n.name} did not treat the leaver as dead`);
  });
});
