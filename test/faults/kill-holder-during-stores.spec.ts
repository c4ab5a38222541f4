/** kill -9 of a holder during 100 concurrent small stores: every acknowledged file stays readable and correct. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { runCli } from '../helpers/cli-runner';
import { testCluster } from '../helpers/test-cluster';

describe('kill -9 of a holder during 100 concurrent stores', () => {
  const { mesh, client: clientOf } = testCluster();

  it('loses no acknowledged file', async () => {
    const nodes = await mesh(4);
    const victim = nodes[3];
    const coordinators = nodes.slice(0, 3);
    const contents = new Map<string, Buffer>();
    const acknowledged: string[] = [];
    const failed: string[] = [];
    let killed = false;

    const storeOne = async (i: number) => {
      const key = `small-${i}`;
      const body = crypto.randomBytes(1000 + i);
      contents.set(key, body);
      const client = clientOf(coordinators[i % 3], '20s');
      try {
        await client.store(key, (async function* () { yield body; })());
        acknowledged.push(key);
      } catch {
        failed.push(key);
      } finally {
        client.close();
      }
      if (!killed && acknowledged.length >= 25) {
        killed = true;
        await victim.kill();
      }
    };
    // 100 stores, 20 at a time.
    for (let batch = 0; batch < 5; batch++) await Promise.all(Array.from({ length: 20 }, (_, j) => storeOne(batch * 20 + j)));
    assert.ok(killed, 'the holder was killed during the stores');
    assert.ok(acknowledged.length >= 90, `${acknowledged.length} of 100 acknowledged (failed: ${failed.join(',')})`);

    for (const key of acknowledged) {
      const via = coordinators[key.length % 3];
      const r = await runCli(['get', key, '--bootstrap', via.p2p], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, `${key}: ${r.stderr}`);
      assert.ok(r.stdoutBytes.equals(contents.get(key)!), `${key} is correct`);
    }
  });
});
