/**
 * npm run bench:datapath : 4 local nodes, --replicas 3. Stores a file (default 512 MiB) through
 * a holder, then gets it through the node placement does not pick: straight from the holders,
 * and again with --via-node (every chunk relayed by that node: two hops; which of the two runs
 * first alternates by round, each after a `sync`); prints MiB/s and each node's peak RSS. Each round also measures the ceiling:
 * one hop between two plain Node processes, one reading the file and sending it over a loopback
 * socket, the other hashing it with SHA-256 and writing it in 1 MiB writes with a final fsync
 * (datapath-ceiling.ts). Prints the ratios to that ceiling.
 *
 * The cluster runs twice per round, alternating: with encryption (TLS 1.3, the default and only
 * mode of a deployment) and without (P2P_BENCH_PLAINTEXT_TRANSPORT=1, a switch only this bench
 * sets), so the price of encryption is read off one run. It also times a client's connect +
 * TLS + handshake against a node and the cold start of `p2p peers --db`.
 *   node dist/bench/datapath.js [MiB] [rounds] [--profile]   (default 512 MiB, 1 round)
 * With --profile every node and the CLI runs of the last encrypted round run under node
 * --cpu-prof, and the hottest functions of each are printed.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../test/helpers/cli-runner';
import { NodeHarness } from '../test/helpers/node-harness';
import { waitFor } from '../test/helpers/wait-for';
import { placeKey } from '../src/storage/placement';
import { PeerConnection } from '../src/transport/peer-connection';
import { Keyring } from '../src/transport/keyring';
import { TransportSecurity } from '../src/transport/tls/transport-security';
import { printHotFunctions } from './cpu-profile';
import { twoProcessCeiling } from './datapath-ceiling';

const MiB = 1024 * 1024;

function makeFile(file: string, mib: number): void {
  const fd = fs.openSync(file, 'w');
  const block = crypto.randomBytes(MiB);
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0); // distinct chunks, so nothing is deduplicated
    fs.writeSync(fd, block);
  }
  // On disk before anything is timed: the ceiling must not compete with this file's write-back.
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

interface ClusterRun {
  storeRate: number;
  getRate: number;
  /** The same get with --via-node: every chunk relayed by the node that holds no copy. */
  relayedGetRate: number;
  equal: boolean;
  /** Roles in a fixed order: the holder that took the store, two holders, the node that served the get. */
  rss: string[];
  rssMiB: number[];
  handshakeMs?: number;
  /** [label, folder of its CPU profile] of the store's and the get's node, with --profile. */
  profiles: Array<[string, string]>;
}

const sha256File = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const PLAINTEXT = { P2P_BENCH_PLAINTEXT_TRANSPORT: '1' };

/** Median ms of a fresh client connection: TCP, TLS 1.3, the three handshake frames. */
async function handshakeMedian(address: string, runs = 21): Promise<number> {
  const times: number[] = [];
  const local = { clusterId: 'p2p-storage', nodeId: 'be0c'.repeat(8), advertise: 'client:0', role: 'client' as const, fingerprint: '', secrets: new Keyring() };
  for (let i = 0; i < runs; i++) {
    // A new TransportSecurity each time: its first secure context is part of a CLI run's cost.
    const security = new TransportSecurity(undefined);
    const started = process.hrtime.bigint();
    const conn = await PeerConnection.connect(address, { local, security });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    conn.close();
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function runCluster(h: NodeHarness, file: string, mib: number, env: NodeJS.ProcessEnv, tag: string, viaNodeFirst: boolean, profileDir?: string): Promise<ClusterRun> {
  const dir = h.dir(`datapath-${tag}`);
  const lan = ['--gossip-profile', 'lan', '--replicas', '3'];
  const nodeArgs = (i: number) => (profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, `node${i}`)] : []);
  const nodes = [await h.start({ name: `${tag}0`, args: lan, env, nodeArgs: nodeArgs(0) })];
  for (let i = 1; i < 4; i++) nodes.push(await h.start({ name: `${tag}${i}`, args: lan, bootstrap: [nodes[0].p2p], env, nodeArgs: nodeArgs(i) }));
  try {
    await waitFor(async () => {
      const peers = (await (await fetch(`http://${nodes[0].http}/v1/peers`)).json()) as Array<{ status: string }>;
      return peers.filter((p) => p.status === 'alive').length === 3;
    }, { timeoutMs: 30_000, description: 'the 4-node cluster to form' });

    const key = 'bench-datapath';
    const holders = placeKey(key, nodes.map((n) => n.nodeId), 3);
    const outsider = nodes.find((n) => !holders.includes(n.nodeId))!;
    const entry = nodes.find((n) => holders.includes(n.nodeId))!;

    const cli = (what: string) => ({ timeoutMs: 900_000, env, nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, what)] : undefined });
    const store = await runCli(['store', key, file, '--bootstrap', entry.p2p], cli('cli-store'));
    if (store.code !== 0) throw new Error(`store failed: ${store.stderr}`);
    const out = path.join(dir, 'out.bin');
    let equal = true;
    const timedGet = async (extra: string[], what: string) => {
      // The store's writes still being flushed must not land on this get's fsync.
      spawnSync('sync');
      const r = await runCli(['get', key, '--bootstrap', outsider.p2p, '--out', out, ...extra], cli(what));
      if (r.code !== 0) throw new Error(`get ${extra.join(' ')} failed: ${r.stderr}`);
      equal &&= sha256File(out) === sha256File(file);
      fs.rmSync(out);
      return r;
    };
    // Which get runs first alternates by round: the first one after a store ran slower.
    const [get, relayed] = viaNodeFirst
      ? await timedGet(['--via-node'], 'cli-get-via-node').then(async (v) => [await timedGet([], 'cli-get'), v])
      : await timedGet([], 'cli-get').then(async (d) => [d, await timedGet(['--via-node'], 'cli-get-via-node')]);
    const ordered = [entry, ...nodes.filter((n) => n !== entry && n !== outsider), outsider];
    const role = (n: (typeof nodes)[number]) => (n === outsider ? 'no copy, served the get' : n === entry ? 'holder, took the store' : 'holder');
    const rssMiB = ordered.map((n) => n.peakRssKiB() / 1024);
    const handshakeMs = env === PLAINTEXT ? undefined : await handshakeMedian(entry.p2p);
    const profiles: Array<[string, string]> = profileDir
      ? [
          ['the CLI storing', path.join(profileDir, 'cli-store')],
          ['the CLI getting', path.join(profileDir, 'cli-get')],
          ['the CLI getting --via-node', path.join(profileDir, 'cli-get-via-node')],
          ...ordered.map((n): [string, string] => [`${n.name} (${role(n)})`, path.join(profileDir, `node${nodes.indexOf(n)}`)]),
        ]
      : [];
    return { storeRate: mib / (store.ms / 1000), getRate: mib / (get.ms / 1000), relayedGetRate: mib / (relayed.ms / 1000), equal, rss: ordered.map(role), rssMiB, handshakeMs, profiles };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of `p2p peers --db` on a stopped node's database: the CLI's cold start. */
async function peersColdStart(h: NodeHarness, runs = 9): Promise<number[]> {
  const node = await h.start({ name: 'peers-cold' });
  await node.stop();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runCli(['peers', '--db', node.dbPath]);
    if (r.code !== 0) throw new Error(`p2p peers failed: ${r.stderr}`);
    times.push(r.ms);
  }
  return times;
}

async function ceilingRate(file: string, mib: number, out: string, expected: string): Promise<number> {
  const hop = await twoProcessCeiling(file, out);
  fs.rmSync(out);
  if (hop.bytes !== mib * MiB || hop.sha256 !== expected) throw new Error(`the ceiling's receiver got ${hop.bytes} bytes of ${mib * MiB}, sha256 ${hop.sha256}`);
  return mib / (hop.ms / 1000);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--profile');
  const profile = process.argv.includes('--profile');
  const mib = Number(args[0] ?? 512);
  const rounds = Number(args[1] ?? 1);
  const h = new NodeHarness();
  try {
    const dir = h.dir('datapath');
    const file = path.join(dir, 'payload.bin');
    makeFile(file, mib);
    const expected = sha256File(file);

    // Others may share the cores: the load beside each round says how much the figures are worth.
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const loads: string[] = [`before: ${load()}`];
    const ceilings: number[] = [];
    const tls: ClusterRun[] = [];
    const plain: ClusterRun[] = [];
    for (let r = 0; r < rounds; r++) {
      ceilings.push(await ceilingRate(file, mib, path.join(dir, 'ceiling.out'), expected));
      const profileDir = profile && r === rounds - 1 ? h.dir('datapath-prof') : undefined;
      tls.push(await runCluster(h, file, mib, {}, `tls${r}-`, r % 2 === 1, profileDir));
      plain.push(await runCluster(h, file, mib, PLAINTEXT, `plain${r}-`, r % 2 === 1));
      loads.push(`after round ${r + 1}: ${load()}`);
    }
    const peers = await peersColdStart(h);
    const ceiling = median(ceilings);
    const fmt = (runs: ClusterRun[], pick: (r: ClusterRun) => number) => `${median(runs.map(pick)).toFixed(1)} MiB/s (runs ${runs.map((r) => pick(r).toFixed(0)).join(', ')})`;
    const [ts, tg, ps, pg] = [median(tls.map((r) => r.storeRate)), median(tls.map((r) => r.getRate)), median(plain.map((r) => r.storeRate)), median(plain.map((r) => r.getRate))];
    const [tr, pr] = [median(tls.map((r) => r.relayedGetRate)), median(plain.map((r) => r.relayedGetRate))];
    console.log(`file: ${mib} MiB, 4 nodes, --replicas 3 (store through a holder, get through the node that holds no copy); ${rounds} round(s), encrypted and unencrypted alternating`);
    console.log(`load average (1/5/15 min, ${os.cpus().length} cores) ${loads.join('; ')}`);
    console.log(`ceiling, one hop between two processes (read -> loopback -> sha256 -> 1 MiB writes + fsync): ${ceiling.toFixed(1)} MiB/s (runs ${ceilings.map((c) => c.toFixed(0)).join(', ')})`);
    console.log(`store, encrypted (TLS 1.3):   ${fmt(tls, (r) => r.storeRate)}  ratio to ceiling ${(ts / ceiling).toFixed(2)} (target >= 0.3)`);
    console.log(`store, unencrypted:           ${fmt(plain, (r) => r.storeRate)}  ratio to ceiling ${(ps / ceiling).toFixed(2)}; encrypted/unencrypted ${(ts / ps).toFixed(2)} (target >= 0.85)`);
    console.log(`remote get, encrypted (TLS):  ${fmt(tls, (r) => r.getRate)}  ratio to ceiling ${(tg / ceiling).toFixed(2)} (target >= 0.6)`);
    console.log(`remote get, unencrypted:      ${fmt(plain, (r) => r.getRate)}  ratio to ceiling ${(pg / ceiling).toFixed(2)}; encrypted/unencrypted ${(tg / pg).toFixed(2)} (target >= 0.85)`);
    console.log(`remote get --via-node, encrypted: ${fmt(tls, (r) => r.relayedGetRate)}  ratio to ceiling ${(tr / ceiling).toFixed(2)} (every chunk relayed by the node)`);
    console.log(`remote get --via-node, unencrypted: ${fmt(plain, (r) => r.relayedGetRate)}  ratio to ceiling ${(pr / ceiling).toFixed(2)}; encrypted/unencrypted ${(tr / pr).toFixed(2)}`);
    console.log(`bytes equal (SHA-256): ${[...tls, ...plain].every((r) => r.equal)}`);
    console.log(`client connect + TLS + handshake, median of 21: ${tls.map((r) => r.handshakeMs!.toFixed(1)).join(', ')} ms (target <= 15)`);
    console.log(`p2p peers --db cold start: median ${median(peers)} ms (runs ${peers.join(', ')})`);
    for (const [label, runs] of [['encrypted', tls], ['unencrypted', plain]] as const) {
      const peak = (i: number) => Math.max(...runs.map((r) => r.rssMiB[i]));
      runs[0].rss.forEach((role, i) => console.log(`peak RSS, ${label}, ${role}: ${peak(i).toFixed(1)} MiB, highest of ${runs.length} (target <= 150)`));
    }
    if (profile) for (const [label, where] of tls[tls.length - 1].profiles) printHotFunctions(where, label, 12);
  } finally {
    await h.stopAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
