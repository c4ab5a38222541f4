/**
 * A node SIGSTOPped for longer than --tombstone-ttl while files are deleted, then resumed: no
 * deleted key comes back. Three nodes, --replicas 3 (every node holds every file),
 * --tombstone-ttl 2s. Node 2 is stopped; three of six files are deleted through node 0; once
 * the others' tombstones have expired node 2 gets SIGCONT. It had no clean anti-entropy round
 * within the ttl, so it must quarantine itself before it pushes anything (issue #11 item 2)
 * and drop the deleted files; on main it pushed them back to everyone.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as sqlite3 from 'sqlite3';
import { heldBy } from '../helpers/cluster-state';
import { NodeHarness, TestNode, logsOnFailure, waitForMesh } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { WriteLedger, sha256 } from '../helpers/write-ledger';

const ARGS = ['--replicas', '3', '--tombstone-ttl', '2s'];
const KEPT = ['kept-0', 'kept-1', 'kept-2'];
const DELETED = ['gone-0', 'gone-1', 'gone-2'];

/**
 * The keys a node holds tombstones for, read from its database (read-only: `p2p inspect` would
 * wait on the stopped node).
 */
function tombstoneKeys(node: TestNode): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(node.dbPath, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all('SELECT key FROM tombstones', (e, rows: Array<{ key: string }>) => {
        db.close();
        if (e) reject(e);
        else resolve(rows.map((r) => r.key));
      });
    });
  });
}

describe('a node SIGSTOPped past --tombstone-ttl while deletes happen', () => {
  const harness = new NodeHarness();
  let nodes: TestNode[] = [];
  after(async () => {
    for (const n of nodes) n.process.kill('SIGCONT');
    await harness.stopAll();
  });

  it('resumed, it brings no deleted key back', { todo: 'fails until tombstones expire by their version time and a node quarantines itself at run time (issue #11 item 2)' }, () =>
    logsOnFailure(() => nodes, async () => {
      nodes = await harness.chain(3, { args: ARGS });
      await waitForMesh(nodes);
      const ledger = new WriteLedger();
      for (const key of [...KEPT, ...DELETED]) assert.equal((await ledger.store(nodes[0], key, Buffer.from(`content of ${key}`))).outcome, 'acked', ledger.describe(key));
      await waitFor(async () => (await heldBy(nodes[2])).size === 6, { description: 'node 2 to hold all six files' });

      const paused = nodes[2];
      paused.process.kill('SIGSTOP');
      for (const key of DELETED) assert.equal((await ledger.delete(nodes[0], key)).outcome, 'acked', ledger.describe(key));
      // The others forget the deletes once their tombstones pass the ttl. (On main they never
      // did: each pulled the other's tombstone back and dated it anew.)
      await waitFor(async () => {
        for (const n of nodes.slice(0, 2)) if ((await tombstoneKeys(n)).some((k) => DELETED.includes(k))) return false;
        return true;
      }, { timeoutMs: 30_000, intervalMs: 250, description: "nodes 0 and 1 to expire the deletes' tombstones" });
      paused.process.kill('SIGCONT');

      // Resumed, node 2 must end without the deleted files, and nobody else may have them back.
      await waitForMesh(nodes, 30_000);
      await waitFor(async () => {
        const held = await heldBy(paused);
        return DELETED.every((k) => !held.has(k)) && (await fetch(`http://${paused.http}/readyz`)).status === 200;
      }, { timeoutMs: 30_000, description: 'node 2 to drop the deleted files and be ready' });
      for (const n of nodes) {
        const held = await heldBy(n);
        assert.deepEqual(DELETED.filter((k) => held.has(k)), [], `${n.name} holds no deleted file`);
        for (const key of DELETED) assert.equal((await fetch(`http://${n.http}/v1/files/${key}`)).status, 404, `${key} through ${n.name}`);
        for (const key of KEPT) {
          const r = await fetch(`http://${n.http}/v1/files/${key}`);
          assert.equal(r.status, 200, `${key} through ${n.name}`);
          assert.equal(sha256(Buffer.from(await r.arrayBuffer())), ledger.newestAcked(key)!.contentHash);
        }
      }
    }));
});
