/**
 * SWIM at scale in the deterministic simulator: join dissemination and failure detection.
 *
 *   npm run bench:gossip-sim -- [N=10000] [--loss 0.05] [--seed 1] [--preset lan|local]
 *
 * First the small clusters HashiCorp Serf publishes LAN figures for (N = 10 and 50, chain
 * bootstrap, loopback-like delays, no loss), against the targets of docs/membership.md; then
 * one cluster of N members (already known to each other) with loss and random delays: a new
 * member joins through one seed, then a member crashes.
 *
 * Every member holds a full view, so memory grows with N^2 (about 90 bytes per pair: 9 GB at
 * N = 10,000). When the heap limit is smaller, the bench re-runs itself with a larger one.
 */
import { spawnSync } from 'node:child_process';
import { freemem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { GOSSIP_PRESETS, GossipPresetName } from '../src/gossip/gossip.presets';
import { suspicionBounds } from '../src/gossip/swim/suspicion';
import { InMemoryNetwork } from '../test/helpers/in-memory-network';
import { DeathLog, countSeeing, everyoneSees } from '../test/sim/swim-scenarios';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const n = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 10_000);
const loss = Number(arg('loss', '0.05'));
const seed = Number(arg('seed', '1'));
const preset = arg('preset', 'lan') as GossipPresetName;
const config = GOSSIP_PRESETS[preset];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * Serf's LAN comparison: chain bootstrap (node i joins node i-1), nodes starting `staggerMs`
 * apart as processes would; join time counts from the last start. Then one crash.
 */
function serfComparison(size: number, joinTargetMs: number, failTargetMs: number, staggerMs: number): void {
  const net = new InMemoryNetwork({ seed: seed + size, config, lossRate: 0, minDelayMs: 0, maxDelayMs: 1 });
  const log = new DeathLog(net);
  for (let i = 0; i < size; i++) {
    if (i > 0) net.runFor(staggerMs);
    net.addNode();
    if (i > 0) net.join(i, [i - 1]);
  }
  const everyone = [...Array(size).keys()];
  const joined = net.runUntil(() => everyone.every((i) => everyoneSees(net, i, ['alive'])), 60_000, 10);
  net.runFor(5_000);
  const victim = size - 1;
  net.crash(victim);
  const failed = net.runUntil(() => everyoneSees(net, victim, ['dead']), 120_000, 10);
  const falsePositives = log.falsePositives((id) => id !== net.nodeIds[victim]).length;
  console.log(
    `serf-lan N=${size}, starts ${staggerMs} ms apart: join converged ${joined === undefined ? 'NEVER' : s(joined)} (target <= ${s(joinTargetMs)}), ` +
      `failure seen by all ${failed === undefined ? 'NEVER' : s(failed)} (target <= ${s(failTargetMs)}), false positives ${falsePositives}`,
  );
}

function large(size: number): void {
  const wall = Date.now();
  const net = InMemoryNetwork.cluster(size, { seed, config, lossRate: loss, minDelayMs: 1, maxDelayMs: 20 });
  const log = new DeathLog(net);
  const setup = Date.now() - wall;
  net.runFor(5_000);
  const before = { ...net.stats };
  const newcomer = net.addNode();
  net.join(newcomer, [0]);
  const joinMs = net.runUntil(() => everyoneSees(net, newcomer, ['alive']), 120_000, config.gossipIntervalMs);
  const victim = 1 + Math.floor(size / 2);
  net.crash(victim);
  const crashAt = net.now;
  const suspectedMs = net.runUntil(() => countSeeing(net, victim, ['suspect', 'dead']) > 0, 120_000, 10);
  const deadMs = net.runUntil(() => everyoneSees(net, victim, ['dead']), 300_000, 100);
  const falsePositives = log.falsePositives((id) => id !== net.nodeIds[victim]).length;
  const simSeconds = (net.now - 1_000_000) / 1000;
  const bounds = suspicionBounds(config, size);
  console.log(`N=${size} (${preset}, loss ${loss}, delay 1-20 ms, seed ${seed}); setup ${s(setup)}`);
  console.log(
    `  join: known by all after ${joinMs === undefined ? 'NEVER' : `${s(joinMs)} = ${Math.ceil(joinMs / config.gossipIntervalMs)} gossip rounds`} ` +
      `(2*log2(N) = ${Math.ceil(2 * Math.log2(size))})`,
  );
  console.log(
    `  crash: first suspicion ${suspectedMs === undefined ? 'NEVER' : s(suspectedMs)}, dead at all ${deadMs === undefined ? 'NEVER' : s(net.now - crashAt)} ` +
      `(suspicion min ${s(bounds.minMs)}, max ${s(bounds.maxMs)})`,
  );
  const msgs = net.stats.sent - before.sent;
  console.log(`  false positives ${falsePositives}; ${(msgs / size / (simSeconds - 5)).toFixed(1)} messages per member per second`);
  console.log(`  simulated ${simSeconds.toFixed(1)} s in ${s(Date.now() - wall)} of wall-clock time`);
}

/** Re-runs this script with a heap big enough for N full views; returns false when it did. */
function ensureHeap(size: number): boolean {
  const needMb = Math.ceil((size * size * 90) / 2 ** 20) + 512;
  const limitMb = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (limitMb >= needMb || process.env.GOSSIP_SIM_CHILD) return true;
  const freeMb = Math.floor(freemem() / 2 ** 20);
  console.log(`N=${size} needs about ${needMb} MB of heap (${freeMb} MB free); re-running with --max-old-space-size=${needMb}`);
  const child = spawnSync(process.execPath, [`--max-old-space-size=${needMb}`, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, GOSSIP_SIM_CHILD: '1' },
  });
  process.exitCode = child.status ?? 1;
  return false;
}

if (ensureHeap(n)) {
  for (const stagger of [0, 100]) {
    serfComparison(10, 400, 0.75 * 5_800, stagger);
    serfComparison(50, 1_200, 0.75 * 8_600, stagger);
  }
  large(n);
}
