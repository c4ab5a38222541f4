/**
 * A rolling rotation of the cluster secret with no downtime (install -> use -> remove), on
 * three nodes reloading --cluster-secret-file on SIGHUP, while a client stores and reads the
 * whole time: no operation fails, the connections admitted with the old secret are drained
 * once it is removed, and a node that has only the old secret is refused afterwards.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { keyIdOf } from '../../src/transport/keyring';

const CLIENT_ENV = { P2P_API_TOKEN: 'rotation token' };

interface PeerJson {
  nodeId: string;
  status: string;
}

async function connectionsByKey(node: TestNode, keyId: string): Promise<number> {
  const text = await (await fetch(`http://${node.http}/metrics`)).text();
  const m = new RegExp(`^p2p_connections_by_key\\{key_id="${keyId}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('secret rotation', { timeout: 240_000 }, () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('rotates across three nodes while a client stores and reads, and then refuses the old secret', async () => {
    const dir = harness.dir('rotation');
    const files = [0, 1, 2].map((i) => path.join(dir, `secrets-${i}`));
    const writeAll = (text: string) => files.forEach((f) => fs.writeFileSync(f, text));
    writeAll('old\n');
    const nodes: TestNode[] = [];
    for (let i = 0; i < 3; i++) {
      const args = ['--cluster-secret-file', files[i], '--api-token', CLIENT_ENV.P2P_API_TOKEN, '--replicas', '3'];
      nodes.push(await harness.start({ name: `n${i}`, bootstrap: i > 0 ? [nodes[i - 1].p2p] : [], args }));
    }
    for (const n of nodes) {
      await waitFor(async () => (await cliJson<PeerJson[]>(['peers', '--db', n.dbPath])).filter((p) => p.status === 'alive').length === 2, {
        description: `${n.name} to see both others`,
      });
    }

    // The client: store a new key, read it back through another node, again and again.
    const payload = path.join(dir, 'payload.bin');
    fs.writeFileSync(payload, randomBytes(200_000));
    const failures: string[] = [];
    let done = 0;
    let stop = false;
    const client = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `rot-${i}`;
        const store = await runCli(['store', key, payload, '--bootstrap', nodes[i % 3].p2p], { env: CLIENT_ENV });
        if (store.code !== 0) failures.push(`store ${key}: ${store.stderr}`);
        const get = await runCli(['get', key, '--bootstrap', nodes[(i + 1) % 3].p2p], { env: CLIENT_ENV });
        if (get.code !== 0 || !get.stdoutBytes.equals(fs.readFileSync(payload))) failures.push(`get ${key}: ${get.code} ${get.stderr}`);
        done += 1;
      }
    })();

    const step = async (text: string, expect: RegExp) => {
      writeAll(text);
      for (const n of nodes) {
        const before = (n.logs().match(/--cluster-secret-file reloaded/g) ?? []).length;
        process.kill(n.pid, 'SIGHUP');
        await waitFor(() => (n.logs().match(/--cluster-secret-file reloaded/g) ?? []).length > before, { description: `${n.name} to reload` });
        assert.match(n.logs().split('\n').filter((l) => l.includes('reloaded')).pop()!, expect);
        const target = done + 1;
        await waitFor(() => done >= target || failures.length > 0, { timeoutMs: 60_000, description: 'the client to finish an operation meanwhile' });
      }
    };
    const oldId = keyIdOf('old');
    const newId = keyIdOf('new');
    await step('old\nnew\n', new RegExp(`keyring ${oldId}, ${newId} \\(primary ${oldId}\\)`)); // 1. install
    await step('new\nold\n', new RegExp(`keyring ${newId}, ${oldId} \\(primary ${newId}\\)`)); // 2. use
    await step('new\n', new RegExp(`keyring ${newId} \\(primary ${newId}\\); removed ${oldId}`)); // 3. remove
    for (const n of nodes) {
      await waitFor(async () => (await connectionsByKey(n, oldId)) === 0, { description: `${n.name} to have drained its old-secret connections` });
    }
    const target = done + 2;
    await waitFor(() => done >= target || failures.length > 0, { timeoutMs: 60_000, description: 'two more operations after the rotation' });
    stop = true;
    await client;
    assert.deepEqual(failures, [], 'no operation failed during the rotation');
    assert.ok(done >= 8, `the client kept working (${done} store+get pairs)`);
    assert.ok((await connectionsByKey(nodes[0], newId)) > 0, 'the nodes talk with the new secret');

    // A node that has only the removed secret is refused.
    const stale = await harness.start({ name: 'stale', bootstrap: [nodes[0].p2p], args: ['--cluster-secret', 'old'] });
    await waitFor(() => /handshake refused from .*cluster secret mismatch/.test(nodes[0].logs()), { description: 'n0 to refuse the old secret' });
    const peers = await cliJson<PeerJson[]>(['peers', '--db', nodes[0].dbPath]);
    assert.ok(!peers.some((p) => p.nodeId === stale.nodeId), 'the stale node is never a member');
  });
});
