/**
 * Versions are hybrid logical clock stamps. A coordinator whose clock lags the key's last
 * writer (another host's clock ahead, or this node restarted and its clock stepped back) must
 * still take a version newer than the one the holders have: nothing was concurrent, so the
 * store is not "lost to a concurrent store".
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, runCli } from '../helpers/cli-runner';
import { NodeHarness, freePort, waitForMesh } from '../helpers/node-harness';

const CLOCK_OFFSET = path.join(PROJECT_ROOT, 'test', 'helpers', 'clock-offset.preload.js');

describe('a store on a node whose clock lags the key\'s last writer', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('takes a newer version than the holders have and is acknowledged', async () => {
    const ahead = await harness.start({ name: 'ahead', args: ['--replicas', '2'], nodeArgs: ['-r', CLOCK_OFFSET], env: { P2P_TEST_CLOCK_OFFSET_MS: String(10 * 60_000) } });
    const port = await freePort();
    const behindDir = harness.dir('behind');
    const startBehind = () => harness.start({ name: 'behind', dir: behindDir, listen: `127.0.0.1:${port}`, bootstrap: [ahead.p2p], args: ['--replicas', '2'] });
    let behind = await startBehind();
    await waitForMesh([ahead, behind]);
    const dir = harness.dir('clock-lag');
    const first = path.join(dir, 'first.txt');
    const second = path.join(dir, 'second.txt');
    fs.writeFileSync(first, 'written by the node whose clock is ahead');
    fs.writeFileSync(second, 'written later by the node whose clock lags');

    assert.equal((await runCli(['store', 'k', first, '--bootstrap', ahead.p2p])).code, 0);
    // Restarted, the lagging node has forgotten every version it saw.
    await behind.kill();
    behind = await startBehind();
    await waitForMesh([ahead, behind]);
    const later = await runCli(['store', 'k', second, '--bootstrap', behind.p2p]);
    assert.equal(later.code, 0, later.stderr);
    for (const node of [ahead, behind]) {
      assert.equal((await runCli(['get', 'k', '--bootstrap', node.p2p])).stdout, 'written later by the node whose clock lags');
    }
  });
});
