/**
 * npm run bench:datapath : 4 local nodes, --replicas 3. Stores a 1 GiB file through one node,
 * then gets it through the node placement does not pick (every chunk crosses the network
 * twice); prints MiB/s and each node's peak RSS. In the same run it measures the ceiling: one
 * hop of plain Node that reads the file, sends it over a loopback socket, hashes it with
 * SHA-256 and writes it to disk with fsync. Prints the ratios to that ceiling.
 *   node dist/bench/datapath.js [MiB]   (default 1024)
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli } from '../test/helpers/cli-runner';
import { NodeHarness } from '../test/helpers/node-harness';
import { waitFor } from '../test/helpers/wait-for';
import { placeKey } from '../src/storage/placement';

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

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 1024);
  const h = new NodeHarness();
  try {
    const dir = h.dir('datapath');
    const file = path.join(dir, 'payload.bin');
    makeFile(file, mib);
    const ceilingMs = await ceiling(file, path.join(dir, 'ceiling.out'));
    fs.rmSync(path.join(dir, 'ceiling.out'));
    const ceilingRate = mib / (ceilingMs / 1000);

    const lan = ['--gossip-profile', 'lan', '--replicas', '3'];
    const nodes = [await h.start({ name: 'n0', args: lan })];
    for (let i = 1; i < 4; i++) nodes.push(await h.start({ name: `n${i}`, args: lan, bootstrap: [nodes[0].p2p] }));
    await waitFor(async () => {
      const peers = (await (await fetch(`http://${nodes[0].http}/v1/peers`)).json()) as Array<{ status: string }>;
      return peers.filter((p) => p.status === 'alive').length === 3;
    }, { timeoutMs: 30_000, description: 'the 4-node cluster to form' });

    const key = 'bench-datapath';
    const holders = placeKey(key, nodes.map((n) => n.nodeId), 3);
    const outsider = nodes.find((n) => !holders.includes(n.nodeId))!;
    const entry = nodes.find((n) => holders.includes(n.nodeId))!;

    const store = await runCli(['store', key, file, '--bootstrap', entry.p2p], { timeoutMs: 900_000 });
    if (store.code !== 0) throw new Error(`store failed: ${store.stderr}`);
    const out = path.join(dir, 'out.bin');
    const get = await runCli(['get', key, '--bootstrap', outsider.p2p, '--out', out], { timeoutMs: 900_000 });
    if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
    const equal = fs.statSync(out).size === fs.statSync(file).size;

    const storeRate = mib / (store.ms / 1000);
    const getRate = mib / (get.ms / 1000);
    console.log(`file: ${mib} MiB, 4 nodes, --replicas 3 (store through a holder, get through the node that holds no copy)`);
    console.log(`ceiling (read -> loopback -> sha256 -> write+fsync, plain Node): ${ceilingRate.toFixed(1)} MiB/s`);
    console.log(`store: ${(store.ms / 1000).toFixed(2)} s = ${storeRate.toFixed(1)} MiB/s  ratio ${(storeRate / ceilingRate).toFixed(2)} (target >= 0.3)`);
    console.log(`remote get: ${(get.ms / 1000).toFixed(2)} s = ${getRate.toFixed(1)} MiB/s  ratio ${(getRate / ceilingRate).toFixed(2)} (target >= 0.6)  size equal: ${equal}`);
    for (const n of nodes) {
      const role = n === outsider ? 'no copy, served the get' : n === entry ? 'holder, took the store' : 'holder';
      console.log(`peak RSS ${n.name} (${role}): ${(n.peakRssKiB() / 1024).toFixed(1)} MiB (target <= 150)`);
    }
  } finally {
    await h.stopAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
