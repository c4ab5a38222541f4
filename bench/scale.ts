/**
 * npm run bench:scale [-- N] [-- --profile] [-- --store-all | --stored=K] [-- --empty-only] : three local nodes (lan profile,
 * --replicas 3, --repair-grace 5s) and N small files (default 100,000; 512 B to 4 KiB, named
 * like photos/2026/12/01/holiday-album/IMG_000123.jpg). The first 10,000 (or K) are stored through
 * clients; the rest are seeded straight into every node's folder before the nodes start
 * (scale-seed.ts), unless --store-all. Prints:
 *  1. the store rate (files/s) with 24 clients spread over the nodes, over the stored files;
 *  2. one node away (kill -9) while N/10 files are overwritten through the others; after it
 *     returns, the time until it holds every new version, and the bytes anti-entropy moved
 *     (every storage message the three nodes sent, counted at the transport:
 *     p2p_message_bytes_total by type) against the size of the changed manifests and chunks;
 *  3. idle CPU (share of one core over 30 s, from 10 s after the catch-up, and per 5 s) and RSS of each node
 *     holding N keys, then the same over the next 30 s for comparison; and what one /metrics
 *     scrape then costs (the CPU of every node, read just before and after it);
 *  4. the cost of one scrub pass (p2p_scrub_pass_duration_seconds);
 *  5. the catch-up of a node that lost its disk and comes back empty at the same address, with
 *     the disk's own rate for files written as chunks are, just before and after, as its
 *     ceiling (small-file-ceiling.ts): one file per small file is written, whatever the node does.
 * Targets (issue #11): both catch-ups within 60 s; anti-entropy bytes at most 2x what changed;
 * idle CPU under 3% of a core; RSS under 200 MiB. With --profile the returning and the empty
 * node run under node --cpu-prof and the hottest functions of each are printed (the returning
 * node's also for figure 3's idle window alone). --empty-only
 * measures figure 5 alone: every file seeded into two nodes, then a third starts empty (with
 * --profile, one of the two senders is profiled as well).
 * Everything on 127.0.0.1; every process is stopped by PID and every folder removed.
 */
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeClient } from '../src/cli/node-client';
import { NodeHarness, TestNode, freePort, rssKiB } from '../test/helpers/node-harness';
import { waitFor } from '../test/helpers/wait-for';
import { seededRandom } from '../test/helpers/workload';
import { printHotFunctions } from './cpu-profile';
import { seedNodes } from './scale-seed';
import { smallFileCeiling } from './small-file-ceiling';
import { countFiles, cpuSeconds, metricSum, residentParts, storageBytesByType, storageBytesSent } from './node-probes';
import { metricsText, sumOf } from '../test/helpers/node-metrics';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const PROFILE = args.includes('--profile');
const EMPTY_ONLY = args.includes('--empty-only');
/** Files stored through clients; the rest are seeded (100,000 stores alone would take about 25 minutes). */
const STORED = args.includes('--store-all') ? N : Math.min(N, Number(args.find((a) => a.startsWith('--stored='))?.slice(9) ?? 10_000));
const CHANGED = Math.max(1, Math.round(N / 10));
const CLIENTS = 24;
const NODE_ARGS = ['--gossip-profile', 'lan', '--replicas', '3', '--repair-grace', '5s'];
const CATCH_UP_LIMIT_MS = 15 * 60_000;
const CHUNK_SIZE = 1024 * 1024;

const keyOf = (i: number) => `photos/2026/12/${String((i % 28) + 1).padStart(2, '0')}/holiday-album/IMG_${String(i).padStart(6, '0')}.jpg`;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MiB`;
const verdict = (ok: boolean) => (ok ? 'target met' : 'TARGET MISSED');
/** The machine's load (1, 5, 15 min), printed with every figure: the nodes share the cores with whatever else runs. */
const load = () => `[load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}]`;

interface Changed {
  bytes: number;
}

/** Stores keys [from, to) with CLIENTS clients over `via`; returns the bytes of what it wrote (manifests and chunks). */
async function storeRange(via: TestNode[], from: number, to: number, seed: number, label: string): Promise<Changed> {
  const rnd = seededRandom(seed);
  const sizes = Array.from({ length: to - from }, () => 512 + Math.floor(rnd() * 3584));
  const clients = Array.from({ length: CLIENTS }, (_, c) => NodeClient.fromOptions({ bootstrap: via[c % via.length].p2p, timeout: '60s' }));
  let next = from;
  let bytes = 0;
  let done = 0;
  const step = Math.max(1, Math.round((to - from) / 5));
  try {
    await Promise.all(
      clients.map(async (client) => {
        for (let i = next++; i < to; i = next++) {
          const body = crypto.randomBytes(sizes[i - from]);
          const r = await storeWithRetry(client, keyOf(i), body);
          // What anti-entropy has to move for this file: its manifest as a peer receives it, and its one chunk.
          const manifest = { key: r.key, version: r.version, size: r.size, contentHash: r.contentHash, chunkSize: CHUNK_SIZE, chunks: [r.contentHash], createdAt: Date.now() };
          bytes += body.length + Buffer.byteLength(JSON.stringify(manifest));
          if (++done % step === 0) process.stdout.write(`  ${label}: ${fmt(done)} of ${fmt(to - from)}\n`);
        }
      }),
    );
  } finally {
    clients.forEach((c) => c.close());
  }
  return { bytes };
}

let failedStores = 0;

/** One store, tried up to 3 times: a store refused under load (a quorum missed) is counted and tried again. */
async function storeWithRetry(client: NodeClient, key: string, body: Buffer): Promise<Awaited<ReturnType<NodeClient['store']>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.store(key, (async function* () {
        yield body;
      })());
    } catch (err) {
      failedStores += 1;
      if (attempt >= 3) throw err;
      process.stdout.write(`  store of ${key} failed (${(err as Error).message}); trying again\n`);
    }
  }
}

/** Waits until `node` holds `count` files matching `since` (a version floor), printing progress; returns ms or undefined on timeout. */
async function untilHolds(node: TestNode, count: number, sinceVersion: string | undefined, startedAt: number): Promise<number | undefined> {
  let lastPrint = Date.now();
  try {
    await waitFor(async () => {
      const held = await countFiles(node.dbPath, sinceVersion);
      if (Date.now() - lastPrint > 15_000) {
        lastPrint = Date.now();
        process.stdout.write(`  ${node.name}: ${fmt(held)} of ${fmt(count)} after ${fmt((Date.now() - startedAt) / 1000)} s\n`);
      }
      return held >= count;
    }, { timeoutMs: CATCH_UP_LIMIT_MS, intervalMs: 250, description: `${node.name} to hold ${count} files` });
    return Date.now() - startedAt;
  } catch {
    return undefined;
  }
}

/** Lets `ms` pass (a measurement window, not a synchronisation). */
const pass = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The idle window of figure 3, on process.hrtime's clock in µs (the CPU profile's too). */
const idleWindow = { fromUs: 0, toUs: 0 };
const SLICE_MS = 5_000;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Seconds the node spent in garbage collections, of every kind, since it started. */
function gcSeconds(node: TestNode): Promise<number> {
  return metricSum(node, 'nodejs_gc_duration_seconds_sum');
}

/** `first`: the window that counts, 10 s after the catch-up (kept for the profile); else the next 30 s, for comparison. */
async function idleFigures(nodes: TestNode[], first = true): Promise<boolean> {
  const windowMs = 30_000;
  if (first) await pass(10_000); // let the last repairs and handoffs finish first
  const gcBefore = await Promise.all(nodes.map(gcSeconds));
  const before = nodes.map((n) => cpuSeconds(n.pid));
  const t0 = Date.now();
  const fromUs = nowUs();
  // The window in slices of 5 s: a one-off (a collection, a last repair round) shows as one high slice.
  const slices: number[][] = nodes.map(() => []);
  let last = before;
  for (let s = 0; s < windowMs / SLICE_MS; s++) {
    await pass(SLICE_MS);
    const now = nodes.map((n) => cpuSeconds(n.pid));
    now.forEach((c, i) => slices[i].push(((c - last[i]) / (SLICE_MS / 1000)) * 100));
    last = now;
  }
  if (first) Object.assign(idleWindow, { fromUs, toUs: nowUs() });
  // Every node's CPU is read at the same moment, the window's end, before any scrape below.
  const seconds = (Date.now() - t0) / 1000;
  const cpu = last.map((c, i) => (c - before[i]) / seconds);
  const rss = nodes.map((n) => rssKiB(n.pid) / 1024);
  let ok = true;
  for (const [i, n] of nodes.entries()) {
    ok &&= cpu[i] < 0.03 && rss[i] < 200;
    // What one Prometheus scrape costs the scraped node (and the others, were it to ask them anything).
    const beforeScrape = nodes.map((m) => cpuSeconds(m.pid));
    const scrapeStarted = Date.now();
    const text = await metricsText(n);
    const scrapeMs = Date.now() - scrapeStarted;
    const scrapeCpu = nodes.map((m, j) => cpuSeconds(m.pid) - beforeScrape[j]);
    // Where the resident memory is: V8's heap (in use, of what it holds) and the rest (native: SQLite, malloc, the binary).
    const [used, total] = [sumOf(text, 'nodejs_heap_size_used_bytes'), sumOf(text, 'nodejs_heap_size_total_bytes')];
    // Collections in the window (prom-client's nodejs_gc_duration_seconds): the idle collection after a burst shows here.
    const gc = sumOf(text, 'nodejs_gc_duration_seconds_sum') - gcBefore[i];
    const parts = residentParts(n.pid);
    console.log(`  ${n.name}: idle CPU ${fmt(cpu[i] * 100, 2)}% of a core (garbage collection ${fmt(gc * 1000, 0)} ms of it), RSS ${fmt(rss[i], 1)} MiB (anonymous ${fmt(parts.anon, 1)}, files ${fmt(parts.file, 1)}; V8 heap ${mib(used)} in use of ${mib(total)})`);
    console.log(`     per ${SLICE_MS / 1000} s: ${slices[i].map((p) => `${fmt(p, 1)}%`).join(' ')}; one /metrics scrape after it: ${fmt(scrapeMs)} ms, CPU ${scrapeCpu.map((c, j) => `${nodes[j].name} ${fmt(c * 1000)} ms`).join(', ')}`);
  }
  return ok;
}

async function main(): Promise<void> {
  const h = new NodeHarness();
  const ports = [await freePort(), await freePort(), await freePort()];
  const profileDir = h.dir('scale-prof');
  let lastProfile = '';
  const senderProfile = path.join(profileDir, 'sender');
  const start = (i: number, bootstrap: string[], dir?: string) => {
    if (i === 2) lastProfile = path.join(profileDir, `node${i}-${Date.now()}`);
    const profiled = PROFILE && (i === 2 || (EMPTY_ONLY && i === 0));
    const nodeArgs = profiled ? ['--cpu-prof', '--cpu-prof-dir', i === 2 ? lastProfile : senderProfile] : [];
    return h.start({ name: `node${i}`, dir, listen: `127.0.0.1:${ports[i]}`, bootstrap, args: NODE_ARGS, nodeArgs, timeoutMs: 120_000 });
  };
  const results: string[] = [];
  try {
    if (EMPTY_ONLY) {
      const dirs = [h.dir('scale-a'), h.dir('scale-b')];
      const seeded = await seedNodes(dirs, keyOf, 0, N, 3);
      console.log(`bench:scale --empty-only with ${fmt(N)} files (${mib(seeded)}) seeded into two nodes (${NODE_ARGS.join(' ')})`);
      const a = await start(0, [], dirs[0]);
      const b = await start(1, [a.p2p], dirs[1]);
      for (const n of [a, b]) await waitFor(async () => (await alivePeers(n)) >= 1, { timeoutMs: 60_000, description: `${n.name} to see the other alive` });
      await emptyCatchUp(start, [a, b], h.dir('scale-empty'), results, () => lastProfile);
      await a.stop('SIGTERM');
      if (PROFILE) printHotFunctions(senderProfile, 'a sender (node0)');
      console.log(`summary: ${results.join('; ')}`);
      return;
    }
    const [aDir, bDir, cDir] = [h.dir('scale-a'), h.dir('scale-b'), h.dir('scale-c')];
    console.log(`bench:scale with ${fmt(N)} files, ${fmt(CHANGED)} changed, on 3 nodes (${NODE_ARGS.join(' ')})`);
    let t = Date.now();
    if (STORED < N) {
      const seeded = await seedNodes([aDir, bDir, cDir], keyOf, STORED, N, 3);
      console.log(`   seeded files ${fmt(STORED)}-${fmt(N - 1)} (${fmt(N - STORED)}, ${mib(seeded)}) straight into each node's folder before start, in ${fmt((Date.now() - t) / 1000, 1)} s (not through clients)`);
    }
    const a = await start(0, [], aDir);
    const b = await start(1, [a.p2p], bDir);
    let c = await start(2, [a.p2p], cDir);
    for (const n of [a, b, c]) await waitFor(async () => (await alivePeers(n)) >= 2, { timeoutMs: 60_000, description: `${n.name} to see the other two alive` });

    t = Date.now();
    await storeRange([a, b, c], 0, STORED, 1, 'stored');
    const storeRate = STORED / ((Date.now() - t) / 1000);
    console.log(`1. store rate: ${fmt(storeRate)} files/s (${fmt(STORED)} files stored through clients in ${fmt((Date.now() - t) / 1000, 1)} s, ${CLIENTS} clients; ${fmt(failedStores)} stores refused and tried again) ${load()}`);
    for (const n of [a, b, c]) await untilHolds(n, N, undefined, Date.now());

    await c.kill();
    t = Date.now();
    const floor = versionFloor();
    const changed = await storeRange([a, b], 0, CHANGED, 2, 'changed');
    console.log(`   ${fmt(CHANGED)} files changed while ${c.name} was away (${mib(changed.bytes)} of manifests and chunks)`);
    const sentBefore = (await storageBytesSent(a)) + (await storageBytesSent(b));
    const byTypeBefore = await bytesByType([a, b]);
    t = Date.now();
    c = await start(2, [a.p2p], cDir);
    const readyMs = Date.now() - t;
    const convergeMs = await untilHolds(c, CHANGED, floor, t);
    const sent = (await storageBytesSent(a)) + (await storageBytesSent(b)) + (await storageBytesSent(c)) - sentBefore;
    const ratio = sent / changed.bytes;
    const returnOk = convergeMs !== undefined && convergeMs <= 60_000;
    console.log(`2. returning node: converged ${convergeMs === undefined ? 'NOT within the limit' : `in ${fmt(convergeMs / 1000, 1)} s`} after its start (ready after ${fmt(readyMs / 1000, 1)} s): ${verdict(returnOk)} ${load()}`);
    console.log(`   anti-entropy sent ${mib(sent)} for ${mib(changed.bytes)} changed: ${fmt(ratio, 2)}x, ${verdict(ratio <= 2)}`);
    results.push(`converge ${verdict(returnOk)}`, `traffic ${verdict(ratio <= 2)}`);
    const byType = await bytesByType([a, b, c]);
    const where = [...byType].map(([type, bytes]) => [type, bytes - (byTypeBefore.get(type) ?? 0)] as const).filter(([, bytes]) => bytes > 0).sort((x, y) => y[1] - x[1]);
    console.log(`   by message type: ${where.map(([type, bytes]) => `${type} ${mib(bytes)}`).join(', ')}`);

    console.log(`3. idle, each node holding ${fmt(N)} keys (30 s window): ${load()}`);
    results.push(`idle ${verdict(await idleFigures([a, b, c]))}`);
    console.log(`   the next 30 s, for comparison (not a verdict): ${load()}`);
    await idleFigures([a, b, c], false);

    const scrub = await metricSum(a, 'p2p_scrub_pass_duration_seconds_sum');
    const passes = await metricSum(a, 'p2p_scrub_pass_duration_seconds_count');
    console.log(`4. scrub: ${passes ? `${fmt((scrub / passes) * 1000, 2)} ms per pass (mean of ${fmt(passes)} passes on ${a.name})` : 'no pass measured (no p2p_scrub_pass_duration_seconds)'} ${load()}`);

    await c.stop('SIGTERM');
    if (PROFILE) {
      printHotFunctions(lastProfile, 'the returning node');
      printHotFunctions(lastProfile, 'the returning node while idle (figure 3)', 25, idleWindow, true);
    }
    await waitFor(async () => (await peerStatus(a, c.nodeId)) !== 'alive', { timeoutMs: 30_000, description: 'the others to see the old node gone' });
    await emptyCatchUp(start, [a, b], h.dir('scale-empty'), results, () => lastProfile);
    console.log(`summary: ${results.join('; ')}`);
  } finally {
    await h.stopAll();
  }
}

/** Figure 5: a node started empty at node2's address, timed until it holds all N files. */
async function emptyCatchUp(start: (i: number, bootstrap: string[], dir?: string) => Promise<TestNode>, senders: TestNode[], dir: string, results: string[], profileOf: () => string): Promise<void> {
  // The disk's own rate for files written as chunks are, just before and just after (a ceiling).
  const disk = [await smallFileCeiling(path.dirname(dir))];
  const t = Date.now();
  const sendersCpu = senders.map((n) => cpuSeconds(n.pid));
  const empty = await start(2, [senders[0].p2p], dir);
  const emptyMs = await untilHolds(empty, N, undefined, t);
  const held = await countFiles(empty.dbPath);
  const emptyOk = emptyMs !== undefined && emptyMs <= 60_000;
  console.log(`5. empty node: ${emptyMs === undefined ? `held ${fmt(held)} of ${fmt(N)} after ${fmt(CATCH_UP_LIMIT_MS / 1000)} s` : `caught up in ${fmt(emptyMs / 1000, 1)} s`}, ${fmt(held / ((emptyMs ?? CATCH_UP_LIMIT_MS) / 1000))} files/s: ${verdict(emptyOk)} ${load()}`);
  // CPU seconds spent (start-up included), less bound to the machine's load than the time.
  const spent = senders.map((n, i) => `${n.name} ${fmt(cpuSeconds(n.pid) - sendersCpu[i], 1)} s`).join(', ');
  console.log(`   CPU used: the empty node ${fmt(cpuSeconds(empty.pid), 1)} s, ${spent}`);
  results.push(`empty catch-up ${verdict(emptyOk)}`);
  await empty.stop('SIGTERM');
  disk.push(await smallFileCeiling(path.dirname(dir)));
  const diskRate = (disk[0].filesPerSecond + disk[1].filesPerSecond) / 2;
  console.log(
    `   this disk alone (files written as chunks are, no node): ${disk.map((d) => fmt(d.filesPerSecond)).join(' files/s before, ')} files/s after ` +
      `(${disk.map((d) => fmt(d.cpuMsPerFile, 2)).join(' and ')} ms of CPU a file): ${fmt(N)} files take at least ${fmt(N / diskRate, 1)} s here; ` +
      `the catch-up ran at ${fmt(held / ((emptyMs ?? CATCH_UP_LIMIT_MS) / 1000) / diskRate, 2)}x the disk's own rate`,
  );
  if (PROFILE) printHotFunctions(profileOf(), 'the empty node', 30, undefined, true);
}

/** Storage bytes sent by these nodes, summed per message type. */
async function bytesByType(nodes: TestNode[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const n of nodes) for (const [type, bytes] of await storageBytesByType(n)) out.set(type, (out.get(type) ?? 0) + bytes);
  return out;
}

/** A version stamp that every store from now on sorts above (versions start with the time in ms). */
function versionFloor(): string {
  return `${String(Date.now()).padStart(15, '0')}.000000.`;
}

async function alivePeers(observer: TestNode): Promise<number> {
  const peers = (await (await fetch(`http://${observer.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
  return peers.filter((p) => p.status === 'alive' && p.nodeId !== observer.nodeId).length;
}

async function peerStatus(observer: TestNode, nodeId: string): Promise<string | undefined> {
  const peers = (await (await fetch(`http://${observer.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
  return peers.find((p) => p.nodeId === nodeId)?.status;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
