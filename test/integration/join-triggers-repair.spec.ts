/**
 * Membership events start repair: in the lan profile, where anti-entropy rounds are 5 s apart,
 * a node that joins a cluster holding a file receives its copy within a second or two of its
 * start, from the holder that heard it join, not at the next periodic round.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { SYNC_INTERVAL_MS } from '../../src/storage/sync-timings';

const LAN = ['--gossip-profile', 'lan', '--replicas', '2'];

describe('a join starts a repair round at once', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('the newcomer holds its copy long before the first periodic round', async () => {
    const a = await harness.start({ name: 'a', args: LAN });
    const file = path.join(harness.dir('files'), 'f.bin');
    fs.writeFileSync(file, Buffer.alloc(200_000, 7));
    const stored = await runCli(['store', 'k', file, '--bootstrap', a.p2p]);
    assert.equal(stored.code, 0, stored.stderr);

    const spawned = Date.now();
    const b = await harness.start({ name: 'b', bootstrap: [a.p2p], args: LAN });
    // Well under the periodic interval: only a round started by the join gets there in time.
    const deadlineMs = SYNC_INTERVAL_MS.lan / 2;
    await waitFor(async () => (await cliJson<Array<{ key: string }>>(['files', 'list', '--db', b.dbPath])).some((f) => f.key === 'k'), {
      timeoutMs: deadlineMs - (Date.now() - spawned),
      intervalMs: 50,
      description: 'the newcomer to hold "k"',
    });
  });
});
