/**
 * Reads that run at once ask each holder for their keys' reports together (report-batcher.ts):
 * every read still gets the newest version of its own key, before and after an overwrite, and
 * the coordinator sends no one-key report requests at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestNode, logsOnFailure } from '../helpers/node-harness';
import { metricSum } from '../helpers/node-metrics';
import { testCluster } from '../helpers/test-cluster';
import { StoragePatterns } from '../../src/storage/storage.types';

const KEYS = Array.from({ length: 48 }, (_, i) => `batched/${i}.txt`);

/** Requests of a pattern the node sent to its peers. */
const sent = (node: TestNode, pattern: string) => metricSum(node, 'p2p_messages_total', (l) => l.includes(`type="${pattern}"`) && l.includes('direction="out"'));

describe('reports of concurrent reads, batched per holder', () => {
  const { mesh, client } = testCluster();
  let nodes: TestNode[] = [];

  it('give every read its own key at its newest version, in fewer messages than reads', () =>
    logsOnFailure(() => nodes, async () => {
      nodes = await mesh(3, { args: ['--replicas', '3', '--write-quorum', '3'] });
      const writer = client(nodes[1], '30s');
      const store = async (key: string, text: string) => (await writer.store(key, (async function* () { yield Buffer.from(text); })())).version;
      const versions = new Map<string, string>();
      for (const key of KEYS) versions.set(key, await store(key, `first ${key}`));

      const coordinator = nodes[0];
      const reader = client(coordinator, '30s');
      const oneKeyBefore = await sent(coordinator, StoragePatterns.manifestGet);
      const readAll = async () => {
        const read = await Promise.all(KEYS.map((key) => reader.manifest(key)));
        read.forEach((m, i) => {
          assert.equal(m.key, KEYS[i]);
          assert.equal(m.version, versions.get(KEYS[i]), `${KEYS[i]} read at its newest version`);
        });
      };
      await readAll();

      for (const key of KEYS.slice(0, 8)) versions.set(key, await store(key, `second ${key}`));
      await readAll();

      const batched = await sent(coordinator, StoragePatterns.manifestReports);
      assert.ok(batched > 0, 'reports went out batched');
      assert.ok(batched < KEYS.length * 2 * 2, `${batched} report messages for ${KEYS.length * 2} reads of 2 peers each`);
      assert.equal(await sent(coordinator, StoragePatterns.manifestGet), oneKeyBefore, 'no one-key report was asked');
    }));
});
