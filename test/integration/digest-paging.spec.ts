/**
 * Anti-entropy between two nodes that each hold 12,000 keys of 30-odd-byte names and differ in
 * every digest bucket: the entries of the differing buckets (about 1.4 MB of JSON) no longer fit
 * one reply, so they travel in pages, and the difference still converges. Before paging the
 * reply passed the 1 MiB body limit and the round failed every time.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';
import { seedManifests, stampNow } from '../helpers/seed-store';
import { waitFor } from '../helpers/wait-for';

const KEYS = Array.from({ length: 12_000 }, (_, i) => `photos/2026/12/01/IMG_${String(i).padStart(6, '0')}.jpg`);
/** One more key per bucket or so, held only by the first node. */
const EXTRA = Array.from({ length: 200 }, (_, i) => `photos/2026/12/02/IMG_${String(i).padStart(6, '0')}.jpg`);

describe('anti-entropy digest paging', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('converges two nodes whose differing buckets hold more entries than one reply can carry', async () => {
    const version = stampNow();
    const dirA = harness.dir('digest-a');
    const dirB = harness.dir('digest-b');
    await seedManifests(dirA, { keys: [...KEYS, ...EXTRA], version: () => version });
    await seedManifests(dirB, { keys: KEYS, version: () => version });
    const args = ['--replicas', '2'];
    const a = await harness.start({ name: 'a', dir: dirA, args });
    const b = await harness.start({ name: 'b', dir: dirB, args, bootstrap: [a.p2p] });
    const held = async () => (JSON.parse((await runCli(['files', 'list', '--db', b.dbPath, '--json'])).stdout) as unknown[]).length;
    await waitFor(async () => (await held()) === KEYS.length + EXTRA.length || undefined, { timeoutMs: 60_000, description: 'b holds every key' });
    for (const node of [a, b]) assert.doesNotMatch(node.logs(), /REPLY_TOO_LARGE|too large/);
  });
});
