/**
 * npm run bench:foundation : the figures of the foundation.
 *  1. discovery: A, B (bootstrap A), C (bootstrap B), lan profile; time from C's start until
 *     C's `p2p peers --db --json` lists A and B alive. Median of 5 runs.
 *  2. `p2p peers --db` cold run time (median of 5).
 *  3. a 100 MiB store through C and a get through A: wall time and each node's peak RSS.
 * Everything on 127.0.0.1; every process is stopped by PID and every folder removed.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../test/helpers/cli-runner';
import { NodeHarness, TestNode } from '../test/helpers/node-harness';
import { waitFor } from '../test/helpers/wait-for';

const LAN = ['--gossip-profile', 'lan'];

const aliveIds = async (node: TestNode) =>
  (await cliJson<Array<{ nodeId: string; status: string }>>(['peers', '--db', node.dbPath])).filter((p) => p.status === 'alive').map((p) => p.nodeId);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Spawn of C -> C lists A and B alive (polled on C's /v1/peers every 5 ms); also from C's ready line. */
async function discoveryRun(): Promise<{ fromSpawn: number; fromReady: number }> {
  const h = new NodeHarness();
  try {
    const a = await h.start({ name: 'a', args: LAN });
    const b = await h.start({ name: 'b', args: LAN, bootstrap: [a.p2p] });
    const t0 = Date.now();
    const c = await h.start({ name: 'c', args: LAN, bootstrap: [b.p2p] });
    const ready = Date.now();
    await waitFor(async () => {
      const peers = (await (await fetch(`http://${c.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
      const ids = peers.filter((p) => p.status === 'alive').map((p) => p.nodeId);
      return ids.includes(a.nodeId) && ids.includes(b.nodeId);
    }, { timeoutMs: 20_000, intervalMs: 5, description: 'C to list A and B' });
    const done = Date.now();
    // The same answer from the database, as `p2p peers --db` reads it.
    await waitFor(async () => (await aliveIds(c)).length === 2, { timeoutMs: 10_000, description: 'C to have stored A and B' });
    return { fromSpawn: done - t0, fromReady: done - ready };
  } finally {
    await h.stopAll();
  }
}

async function roundTrip(): Promise<void> {
  const h = new NodeHarness();
  try {
    const a = await h.start({ name: 'a', args: LAN });
    const b = await h.start({ name: 'b', args: LAN, bootstrap: [a.p2p] });
    const c = await h.start({ name: 'c', args: LAN, bootstrap: [b.p2p] });
    await waitFor(async () => (await aliveIds(a)).length === 2, { timeoutMs: 20_000, description: 'the cluster to form' });
    const dir = h.dir('rt');
    const file = path.join(dir, 'payload.bin');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < 100; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
    fs.closeSync(fd);
    const store = await runCli(['store', 'bench-100mib', file, '--bootstrap', c.p2p], { timeoutMs: 300_000 });
    if (store.code !== 0) throw new Error(`store failed: ${store.stderr}`);
    const out = path.join(dir, 'out.bin');
    const get = await runCli(['get', 'bench-100mib', '--bootstrap', a.p2p, '--out', out], { timeoutMs: 300_000 });
    if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
    const same = hashFile(file) === hashFile(out);
    console.log(`100 MiB store via C (3 replicas): ${(store.ms / 1000).toFixed(2)} s (${(100 / (store.ms / 1000)).toFixed(1)} MiB/s)`);
    console.log(`100 MiB get via A:                ${(get.ms / 1000).toFixed(2)} s (${(100 / (get.ms / 1000)).toFixed(1)} MiB/s), bytes equal: ${same}`);
    console.log(`round trip: ${((store.ms + get.ms) / 1000).toFixed(2)} s (CLI start-up included)`);
    for (const n of [a, b, c]) console.log(`peak RSS node ${n.name.toUpperCase()}: ${(n.peakRssKiB() / 1024).toFixed(1)} MiB`);
  } finally {
    await h.stopAll();
  }
}

function hashFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1024 * 1024);
  let n: number;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const runs: Array<{ fromSpawn: number; fromReady: number }> = [];
  for (let i = 0; i < 5; i++) runs.push(await discoveryRun());
  console.log(
    `discovery: C lists A and B alive ${median(runs.map((r) => r.fromSpawn))} ms after C's process starts ` +
      `(${median(runs.map((r) => r.fromReady))} ms after its ready line); median of 5; runs ${runs.map((r) => `${r.fromSpawn}/${r.fromReady}`).join(', ')} ms`,
  );

  const h = new NodeHarness();
  try {
    const node = await h.start({ name: 'n' });
    await node.stop();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await runCli(['peers', '--db', node.dbPath])).ms);
    console.log(`p2p peers --db cold run: ${median(times)} ms (median of 5: ${times.join(', ')} ms)`);
  } finally {
    await h.stopAll();
  }
  await roundTrip();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
