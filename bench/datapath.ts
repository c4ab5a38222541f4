/**
 * npm run bench:datapath : 4 local nodes, --replicas 3. Stores a 1 GiB file through one node,
 * then gets it through the node placement does not pick (every chunk crosses the network
 * twice); prints MiB/s and each node's peak RSS. In the same run it measures the ceiling: one
 * hop of plain Node that reads the file, sends it over a loopback socket, hashes it with
 * SHA-256 and writes it to disk with fsync. Prints the ratios to that ceiling.
 *
 * The cluster runs twice, alternating: with encryption (TLS 1.3, the default and only mode
 * of a deployment) and without (P2P_BENCH_PLAINTEXT_TRANSPORT=1, a switch only this bench
 * sets), so the price of encryption is read off one run. It also times a client's connect +
 * TLS + handshake against a node.
 *   node dist/bench/datapath.js [MiB] [rounds]   (default 1024 MiB, 1 round of each mode)
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli } from '../test/helpers/cli-runner';
import { NodeHarness } from '../test/helpers/node-harness';
import { waitFor } from '../test/helpers/wait-for';
import { placeKey } from '../src/storage/placement';
import { PeerConnection } from '../src/transport/peer-connection';
import { Keyring } from '../src/transport/keyring';
import { TransportSecurity } from '../src/transport/tls/transport-security';

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

/** The ceiling: read -> loopback socket -> SHA-256 -> write -> fsync, in plain Node. */
async function ceiling(file: string, out: string): Promise<number> {
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer((socket) => {
      const hash = crypto.createHash('sha256');
      const sink = fs.createWriteStream(out);
      socket.on('data', (d) => hash.update(d));
      socket.pipe(sink);
      sink.on('finish', () => {
        const fd = fs.openSync(out, 'r+');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        hash.digest('hex');
        server.close();
        resolve();
      });
      sink.on('error', reject);
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const socket = net.connect(port, '127.0.0.1', () => fs.createReadStream(file, { highWaterMark: MiB }).pipe(socket));
      socket.on('error', reject);
    });
  });
  return Date.now() - started;
}

interface ClusterRun {
  storeRate: number;
  getRate: number;
  equal: boolean;
  rss: string[];
  handshakeMs?: number;
}

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

async function runCluster(h: NodeHarness, file: string, mib: number, env: NodeJS.ProcessEnv, tag: string): Promise<ClusterRun> {
  const dir = h.dir(`datapath-${tag}`);
  const lan = ['--gossip-profile', 'lan', '--replicas', '3'];
  const nodes = [await h.start({ name: `${tag}0`, args: lan, env })];
  for (let i = 1; i < 4; i++) nodes.push(await h.start({ name: `${tag}${i}`, args: lan, bootstrap: [nodes[0].p2p], env }));
  try {
    await waitFor(async () => {
      const peers = (await (await fetch(`http://${nodes[0].http}/v1/peers`)).json()) as Array<{ status: string }>;
      return peers.filter((p) => p.status === 'alive').length === 3;
    }, { timeoutMs: 30_000, description: 'the 4-node cluster to form' });

    const key = 'bench-datapath';
    const holders = placeKey(key, nodes.map((n) => n.nodeId), 3);
    const outsider = nodes.find((n) => !holders.includes(n.nodeId))!;
    const entry = nodes.find((n) => holders.includes(n.nodeId))!;

    const store = await runCli(['store', key, file, '--bootstrap', entry.p2p], { timeoutMs: 900_000, env });
    if (store.code !== 0) throw new Error(`store failed: ${store.stderr}`);
    const out = path.join(dir, 'out.bin');
    const get = await runCli(['get', key, '--bootstrap', outsider.p2p, '--out', out], { timeoutMs: 900_000, env });
    if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
    const equal = fs.statSync(out).size === fs.statSync(file).size;
    fs.rmSync(out);
    const rss = nodes.map((n) => {
      const role = n === outsider ? 'no copy, served the get' : n === entry ? 'holder, took the store' : 'holder';
      return `${n.name} (${role}): ${(n.peakRssKiB() / 1024).toFixed(1)} MiB`;
    });
    const handshakeMs = env === PLAINTEXT ? undefined : await handshakeMedian(entry.p2p);
    return { storeRate: mib / (store.ms / 1000), getRate: mib / (get.ms / 1000), equal, rss, handshakeMs };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 1024);
  const rounds = Number(process.argv[3] ?? 1);
  const h = new NodeHarness();
  try {
    const dir = h.dir('datapath');
    const file = path.join(dir, 'payload.bin');
    makeFile(file, mib);
    const ceilingMs = await ceiling(file, path.join(dir, 'ceiling.out'));
    fs.rmSync(path.join(dir, 'ceiling.out'));
    const ceilingRate = mib / (ceilingMs / 1000);

    const tls: ClusterRun[] = [];
    const plain: ClusterRun[] = [];
    for (let r = 0; r < rounds; r++) {
      tls.push(await runCluster(h, file, mib, {}, `tls${r}-`));
      plain.push(await runCluster(h, file, mib, PLAINTEXT, `plain${r}-`));
    }
    const fmt = (runs: ClusterRun[], pick: (r: ClusterRun) => number) => `${median(runs.map(pick)).toFixed(1)} MiB/s (runs ${runs.map((r) => pick(r).toFixed(0)).join(', ')})`;
    const [ts, tg, ps, pg] = [median(tls.map((r) => r.storeRate)), median(tls.map((r) => r.getRate)), median(plain.map((r) => r.storeRate)), median(plain.map((r) => r.getRate))];
    console.log(`file: ${mib} MiB, 4 nodes, --replicas 3 (store through a holder, get through the node that holds no copy); ${rounds} round(s), encrypted and unencrypted alternating`);
    console.log(`ceiling (read -> loopback -> sha256 -> write+fsync, plain Node): ${ceilingRate.toFixed(1)} MiB/s`);
    console.log(`store, encrypted (TLS 1.3):   ${fmt(tls, (r) => r.storeRate)}  ratio to ceiling ${(ts / ceilingRate).toFixed(2)} (target >= 0.3)`);
    console.log(`store, unencrypted:           ${fmt(plain, (r) => r.storeRate)}  encrypted/unencrypted ${(ts / ps).toFixed(2)} (target >= 0.85)`);
    console.log(`remote get, encrypted (TLS):  ${fmt(tls, (r) => r.getRate)}  ratio to ceiling ${(tg / ceilingRate).toFixed(2)} (target >= 0.6)`);
    console.log(`remote get, unencrypted:      ${fmt(plain, (r) => r.getRate)}  encrypted/unencrypted ${(tg / pg).toFixed(2)} (target >= 0.85)`);
    console.log(`size equal: ${[...tls, ...plain].every((r) => r.equal)}`);
    console.log(`client connect + TLS + handshake, median of 21: ${tls.map((r) => r.handshakeMs!.toFixed(1)).join(', ')} ms (target <= 15)`);
    for (const [label, runs] of [['encrypted', tls], ['unencrypted', plain]] as const) {
      for (const line of runs[runs.length - 1].rss) console.log(`peak RSS, ${label}, ${line} (target <= 150)`);
    }
  } finally {
    await h.stopAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
