/**
 * npm run bench:foundation : the figures of the foundation.
 *  1. discovery: A, B (bootstrap A), C (bootstrap B); time from C's start until C's
 *     `peers --json` lists A and B alive. Median of 5 runs.
 *  2. `p2p peers --db` cold run time (median of 5).
 *  3. a 100 MiB store through C and a get through A: wall time and each node's peak RSS.
 * Everything on 127.0.0.1; every process stopped by PID and every folder removed.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchNode, cli, median, startNode, tempDir, waitUntil } from './bench-nodes';

async function cluster(root: string): Promise<BenchNode[]> {
  const a = await startNode(path.join(root, 'a'), ['--gossip-profile', 'lan']);
  const b = await startNode(path.join(root, 'b'), ['--bootstrap', a.p2p]);
  return [a, b];
}

async function discoveryRun(): Promise<number> {
  const root = tempDir('disc');
  const nodes: BenchNode[] = [];
  try {
    nodes.push(...(await cluster(root)));
    const t0 = Date.now();
    const c = await startNode(path.join(root, 'c'), ['--bootstrap', nodes[1].p2p]);
    nodes.push(c);
    const want = new Set([nodes[0].nodeId, nodes[1].nodeId]);
    await waitUntil(() => {
      const r = cli(['peers', '--db', c.dbPath, '--json']);
      if (r.code !== 0) return false;
      const alive = (JSON.parse(r.stdout) as Array<{ nodeId: string; status: string }>).filter((p) => p.status === 'alive').map((p) => p.nodeId);
      return [...want].every((id) => alive.includes(id));
    }, 20_000, 'C to list A and B');
    return Date.now() - t0;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function roundTrip(): Promise<void> {
  const root = tempDir('rt');
  const nodes: BenchNode[] = [];
  try {
    nodes.push(...(await cluster(root)));
    nodes.push(await startNode(path.join(root, 'c'), ['--bootstrap', nodes[1].p2p]));
    await waitUntil(() => {
      const r = cli(['peers', '--db', nodes[0].dbPath, '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as Array<{ status: string }>).filter((p) => p.status === 'alive').length === 2;
    }, 20_000, 'the cluster to form');
    const file = path.join(root, 'payload.bin');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < 100; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
    fs.closeSync(fd);
    const store = cli(['store', 'bench-100mib', file, '--bootstrap', nodes[2].p2p]);
    if (store.code !== 0) throw new Error(`store failed: ${store.stderr}`);
    const out = path.join(root, 'out.bin');
    const get = cli(['get', 'bench-100mib', '--bootstrap', nodes[0].p2p, '--out', out]);
    if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
    const same = hashFile(file) === hashFile(out);
    console.log(`100 MiB store via C: ${(store.ms / 1000).toFixed(2)} s (${(100 / (store.ms / 1000)).toFixed(1)} MiB/s)`);
    console.log(`100 MiB get via A:   ${(get.ms / 1000).toFixed(2)} s (${(100 / (get.ms / 1000)).toFixed(1)} MiB/s), bytes equal: ${same}`);
    console.log(`round trip: ${((store.ms + get.ms) / 1000).toFixed(2)} s`);
    nodes.forEach((n, i) => console.log(`peak RSS node ${'ABC'[i]}: ${(n.peakRssKiB() / 1024).toFixed(1)} MiB`));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function hashFile(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1024 * 1024);
  let n: number;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}

async function main(): Promise<void> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await discoveryRun());
  console.log(`discovery: C lists A and B after ${median(runs)} ms (median of 5; runs ${runs.join(', ')} ms)`);

  const root = tempDir('peers');
  try {
    const node = await startNode(path.join(root, 'n'));
    await node.stop();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(cli(['peers', '--db', node.dbPath]).ms);
    console.log(`p2p peers --db cold run: ${median(times).toFixed(0)} ms (median of 5; ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  await roundTrip();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
