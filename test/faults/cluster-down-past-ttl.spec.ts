/**
 * The whole cluster down for longer than --tombstone-ttl, then restarted: nothing is lost.
 * Two nodes, --replicas 2 --tombstone-ttl 2s, five files; both killed, restarted in their own
 * folders on their own ports once the ttl has passed. Both start quarantined (their last sync
 * is older than the ttl); they must reconcile with each other, become ready and still hold and
 * serve all five files (issue #11 item 1: on main every file was gone).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { heldBy } from '../helpers/cluster-state';
import { NodeHarness, TestNode, freePort, logsOnFailure } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { WriteLedger, sha256 } from '../helpers/write-ledger';

const ARGS = ['--replicas', '2', '--tombstone-ttl', '2s'];
const TTL_MS = 2_000;
const KEYS = ['photos/a.jpg', 'photos/b.jpg', 'notes.txt', 'docs/c.pdf', 'e'];

describe('the whole cluster down past --tombstone-ttl', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('restarted, both nodes become ready and hold and serve every file', async () => {
    const ports = [await freePort(), await freePort()];
    const dirs = [harness.dir('down-a'), harness.dir('down-b')];
    const start = (i: number, bootstrap: string[]) => harness.start({ name: `n${i}-`, dir: dirs[i], listen: `127.0.0.1:${ports[i]}`, bootstrap, args: ARGS });
    let nodes: TestNode[] = [await start(0, [])];
    nodes.push(await start(1, [nodes[0].p2p]));
    const ledger = new WriteLedger();
    for (const key of KEYS) assert.equal((await ledger.store(nodes[0], key, Buffer.from(`the only copy of ${key}`))).outcome, 'acked', ledger.describe(key));
    await waitFor(async () => {
      for (const n of nodes) if ((await heldBy(n)).size !== KEYS.length) return false;
      return true;
    }, { description: 'both nodes to hold all five files' });

    await Promise.all(nodes.map((n) => n.kill()));
    const downAt = Date.now();
    // The outage itself is what is under test: it must outlast the ttl (twice over).
    await waitFor(() => Date.now() - downAt > 2 * TTL_MS, { timeoutMs: 3 * TTL_MS, intervalMs: 100, description: 'the outage to pass the ttl' });
    nodes = [await start(0, [`127.0.0.1:${ports[1]}`]), await start(1, [`127.0.0.1:${ports[0]}`])];

    await logsOnFailure(() => nodes, async () => {
      await waitFor(async () => (await Promise.all(nodes.map((n) => fetch(`http://${n.http}/readyz`)))).every((r) => r.status === 200), {
        timeoutMs: 30_000,
        description: 'both nodes ready again',
      });
      for (const n of nodes) assert.deepEqual([...(await heldBy(n)).keys()].sort(), [...KEYS].sort(), `${n.name} holds every file`);
      for (const n of nodes) {
        for (const key of KEYS) {
          const r = await fetch(`http://${n.http}/v1/files/${encodeURIComponent(key)}`);
          assert.equal(r.status, 200, `${key} through ${n.name}`);
          assert.equal(sha256(Buffer.from(await r.arrayBuffer())), ledger.newestAcked(key)!.contentHash, `${key} through ${n.name} is the stored content`);
        }
      }
    });
  });
});
