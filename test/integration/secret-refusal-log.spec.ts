/**
 * A node refused by every bootstrap peer's cluster secret says so once, clearly, and does not
 * claim to be ready; the peers that refuse it log its address at a bounded rate while it retries.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeHarness } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

async function refusedHandshakes(http: string): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  return [...text.matchAll(/^p2p_handshake_failures_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('refused by the cluster secret', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('the refused node logs why, once, and is not ready; the peer logs it at a bounded rate', async () => {
    const a = await harness.start({ name: 'a', args: ['--cluster-secret', 'correct horse'] });
    const intruder = await harness.start({ name: 'intruder', bootstrap: [a.p2p], args: ['--cluster-secret', 'battery staple'] });

    // It keeps trying: wait for a few dozen refusals (about 2.5 a second).
    await waitFor(async () => (await refusedHandshakes(a.http)) >= 25, { timeoutMs: 30_000, description: '25 refused handshakes at A' });

    const lines = intruder.logs().split('\n');
    const refusal = lines.filter((l) => /every bootstrap peer refused this node/.test(l));
    assert.equal(refusal.length, 1, intruder.logs());
    assert.match(refusal[0], /not ready: node=\S+ .*cluster secret mismatch.*--cluster-secret/);
    assert.equal(lines.filter((l) => /(?<!not )ready: node=/.test(l)).length, 0, 'never claims to be ready');
    const ready = await fetch(`http://${intruder.http}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(JSON.stringify(await ready.json()), /refused/);

    const warnings = a.logs().split('\n').filter((l) => /handshake refused from/.test(l));
    assert.ok(warnings.length >= 1, a.logs());
    assert.ok(warnings.length <= 10, `A logged ${warnings.length} refusal lines for ${await refusedHandshakes(a.http)} refusals`);
  });
});
