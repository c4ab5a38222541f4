/**
 * A node frozen (SIGSTOP: a laptop asleep, a stalled VM) for longer than --tombstone-ttl while
 * files it holds are deleted elsewhere. When it resumes it quarantines itself before it pushes
 * anything, the others have kept the tombstones for it, and no deleted file comes back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { TestNode } from '../helpers/node-harness';
import { testCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

const keysOf = async (node: TestNode) => (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', node.dbPath])).map((f) => f.key).sort();

describe('a node SIGSTOPped for longer than --tombstone-ttl while deletes happen', () => {
  const { harness, mesh } = testCluster();

  it('quarantines itself when it resumes, and no deleted file comes back', async () => {
    // The ttl is longer than a request's 10 s deadline: A's round with the frozen C waits that
    // long, and A must not take that for an absence of its own.
    const nodes = await mesh(3, { args: ['--replicas', '3', '--tombstone-ttl', '12s'] });
    const [a, , c] = nodes;
    const file = path.join(harness.dir('sigstop-files'), 'f.txt');
    fs.writeFileSync(file, 'x');
    const keys = ['kept', 'doomed-1', 'doomed-2'];
    for (const key of keys) assert.equal((await runCli(['store', key, file, '--bootstrap', a.p2p])).code, 0);
    await waitFor(async () => (await keysOf(c)).length === 3, { description: 'C to hold every file' });

    c.process.kill('SIGSTOP');
    const stoppedAt = Date.now();
    try {
      for (const key of ['doomed-1', 'doomed-2']) {
        const deleted = await runCli(['delete', key, '--bootstrap', a.p2p]);
        assert.equal(deleted.code, 0, deleted.stderr);
      }
      const deletedAt = Date.now();
      await waitFor(() => Date.now() - stoppedAt > 14_000 && Date.now() - deletedAt > 13_000, { timeoutMs: 30_000, description: 'the ttl to pass' });
    } finally {
      c.process.kill('SIGCONT');
    }

    await waitFor(() => /no clean anti-entropy round for \d+ s, longer than --tombstone-ttl: quarantined/.test(c.logs()), { description: 'C to quarantine itself' });
    await waitFor(async () => (await fetch(`http://${c.http}/readyz`)).status === 200, { timeoutMs: 30_000, description: 'C to reconcile and become ready' });
    for (const node of nodes) {
      assert.deepEqual(await keysOf(node), ['kept'], `${node.name} holds no deleted file`);
      for (const key of ['doomed-1', 'doomed-2']) assert.equal((await runCli(['get', key, '--bootstrap', node.p2p])).code, 3);
    }
  });
});
