import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

interface PeerJson {
  nodeId: string;
  status: string;
}

describe('cluster secret', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('joins nodes with the same secret, refuses another secret, and admits clients by the API token only', async () => {
    const secret = ['--cluster-secret', 'correct horse', '--api-token', 'client token'];
    const a = await harness.start({ name: 'a', args: secret });
    const b = await harness.start({ name: 'b', bootstrap: [a.p2p], args: secret });
    const intruder = await harness.start({ name: 'intruder', bootstrap: [a.p2p], args: ['--cluster-secret', 'battery staple'] });

    await waitFor(async () => (await cliJson<PeerJson[]>(['peers', '--db', a.dbPath])).some((p) => p.nodeId === b.nodeId && p.status === 'alive'), {
      description: 'A and B to join',
    });
    await waitFor(() => /handshake refused from .*cluster secret mismatch/.test(a.logs()), { description: 'A to log the refusal' });
    for (const node of [a, b]) {
      const peers = await cliJson<PeerJson[]>(['peers', '--db', node.dbPath]);
      assert.ok(!peers.some((p) => p.nodeId === intruder.nodeId), `${node.name} never lists the intruder`);
    }
    assert.deepEqual(await cliJson<PeerJson[]>(['peers', '--db', intruder.dbPath]), []);

    const file = path.join(harness.dir('secret-client'), 'f.txt');
    fs.writeFileSync(file, 'private');
    const refused = await runCli(['store', 'k', file, '--bootstrap', a.p2p]);
    assert.equal(refused.code, 7);
    assert.match(refused.stderr, /^error: handshake refused by .*no proof of the API token.*\n$/);
    const wrong = await runCli(['store', 'k', file, '--bootstrap', a.p2p], { env: { P2P_API_TOKEN: 'nope' } });
    assert.equal(wrong.code, 7);
    // The cluster secret is not a client credential: in the environment it is ignored, as a flag refused.
    const secretInEnv = await runCli(['store', 'k', file, '--bootstrap', a.p2p], { env: { P2P_CLUSTER_SECRET: 'correct horse' } });
    assert.equal(secretInEnv.code, 7);
    const secretFlag = await runCli(['store', 'k', file, '--bootstrap', a.p2p, '--cluster-secret', 'correct horse']);
    assert.equal(secretFlag.code, 2);
    assert.match(secretFlag.stderr, /^error: a client proves the API token, never the cluster secret: use --api-token/);
    const ok = await runCli(['store', 'k', file, '--bootstrap', a.p2p], { env: { P2P_API_TOKEN: 'client token' } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(a.logs(), /WARN/);
    assert.doesNotMatch(a.logs(), /no cluster secret set/);
  });
});
