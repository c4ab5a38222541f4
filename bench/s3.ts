/**
 * npm run bench:s3 : 3 local nodes (--replicas 3, the production `lan` gossip profile, so that
 * anti-entropy and scrub run at their deployed pace), one run, printing figures:
 *  1. a 1 GiB PUT and GET through S3 (one client, UNSIGNED-PAYLOAD, streamed) against the same
 *     through the native REST API (PUT/GET /v1/files/:key), both through node 0, each twice in
 *     the order native, S3, S3, native, so that the order favours neither;
 *  2. 10,000 objects of 4 KiB, PUT then GET with 16 concurrent clients, in ops/s, against plain
 *     Node http serving a 4 KiB buffer to 16 concurrent clients just before and just after (in a
 *     process of its own, plain-http-server.ts, as a node is: a ceiling never has both ends in one);
 *  3. ListObjectsV2 over those 10,000 keys in pages of 1,000 (time of each page).
 * Requests are signed here with SigV4 (the client's cost, not the server's).
 *   node dist/bench/s3.js [MiB] [objects] [--profile]   (defaults 1024 and 10000)
 * --profile runs node 0 (the coordinator) and node 1 (a peer it asks) under node --cpu-prof and
 * prints where their time went during the 4 KiB GETs; --profile-keep=<dir> also copies the
 * profiles there (for a flame graph viewer). --perf=<dir> records nodes 0 and 1 with Linux perf
 * (on-CPU samples, kernel included, JavaScript frames named through --perf-basic-prof) over
 * the 4 KiB GETs into <dir>/node<i>.data, for `perf report -i`: V8's profiler samples wall
 * time, so on a busy machine it also counts, against the call that was running, the time
 * the process waited for a core.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeHarness, TestNode, waitForMesh } from '../test/helpers/node-harness';
import { printHotFunctions } from './cpu-profile';
import { cpuSeconds, metricSum } from './node-probes';
import { uriEncode } from '../src/s3/auth/canonical';
import { signS3 } from '../test/helpers/s3-sign';

const MiB = 1024 * 1024;
const KEY_ID = 'BENCHKEY0000000001';
const SECRET = 'bench-secret-0123456789';
const CONCURRENCY = 16;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function makeFile(file: string, mib: number): void {
  const fd = fs.openSync(file, 'w');
  const block = crypto.randomBytes(MiB);
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0);
    fs.writeSync(fd, block);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

function sign(method: string, host: string, rawPath: string, query: Array<[string, string]> = []): Record<string, string> {
  return signS3(KEY_ID, SECRET, method, host, rawPath, query);
}

interface Reply {
  status: number;
  bytes: number;
  body: string;
}

function request(url: URL, method: string, headers: Record<string, string>, body?: fs.ReadStream | Buffer, keepBody = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let bytes = 0;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (keepBody) parts.push(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof fs.ReadStream) body.pipe(req);
    else req.end(body);
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** Runs `count` operations with CONCURRENCY workers; returns ops/s. */
async function concurrently(count: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const { ms } = await timed(() => Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < count; i = next++) await op(i);
  })));
  return count / (ms / 1000);
}

function check(r: Reply, what: string, status = 200): void {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const profile = process.argv.includes('--profile');
  const keepProfiles = process.argv.find((a) => a.startsWith('--profile-keep='))?.slice('--profile-keep='.length);
  const perfDir = process.argv.find((a) => a.startsWith('--perf='))?.slice('--perf='.length);
  const mib = Number(args[0] ?? 1024);
  const objects = Number(args[1] ?? 10_000);
  const harness = new NodeHarness();
  const dir = harness.dir('bench-s3');
  const profiled = [0, 1];
  const profileDirs = profiled.map((i) => harness.dir(`bench-s3-prof${i}`));
  try {
    const nodes: TestNode[] = [];
    for (let i = 0; i < 3; i++) {
      const nodeArgs = profile && profiled.includes(i) ? ['--cpu-prof', '--cpu-prof-dir', profileDirs[i]] : perfDir && profiled.includes(i) ? ['--perf-basic-prof-only-functions'] : [];
      nodes.push(await harness.start({ name: `node${i}`, bootstrap: i > 0 ? [nodes[i - 1].p2p] : [], args: ['--gossip-profile', 'lan', '--s3-keys', `${KEY_ID}:${SECRET}`], nodeArgs }));
    }
    await waitForMesh(nodes);
    const s3 = new URL(nodes[0].s3);
    const host = s3.host;
    const file = path.join(dir, 'big.bin');
    makeFile(file, mib);
    console.log(`bench:s3  3 nodes, --replicas 3, node ${process.version}; ${mib} MiB file; ${objects} objects of 4 KiB; ${CONCURRENCY} clients; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    check(await request(new URL(`${s3.origin}/bench`), 'PUT', sign('PUT', host, '/bench')), 'CreateBucket');

    // 1. Large object: native REST vs S3, through node 0, in the order native, S3, S3, native
    //    (PUTs, then GETs), so that neither API gets the warm caches of going second.
    const big = {
      native: (n: number) => ({ url: new URL(`http://${nodes[0].http}/v1/files/bench-native-${n}`), headers: () => ({}) as Record<string, string> }),
      s3: (n: number) => ({ url: new URL(`${s3.origin}/bench/big-${n}.bin`), headers: () => sign('GET', host, `/bench/big-${n}.bin`) }),
    };
    const order: Array<['native' | 's3', number]> = [['native', 1], ['s3', 1], ['s3', 2], ['native', 2]];
    const putMs = { native: 0, s3: 0 };
    const getMs = { native: 0, s3: 0 };
    const runs: string[] = [];
    for (const [api, n] of order) {
      const { url } = big[api](n);
      const headers = api === 's3' ? sign('PUT', host, url.pathname) : {};
      const put = await timed(() => request(url, 'PUT', { ...headers, 'content-length': String(mib * MiB) }, fs.createReadStream(file, { highWaterMark: MiB })));
      check(put.value, `${api} PUT`);
      putMs[api] += put.ms;
      runs.push(`PUT ${api} ${rate(mib, put.ms)}`);
    }
    for (const [api, n] of order) {
      const { url, headers } = big[api](n);
      const get = await timed(() => request(url, 'GET', headers()));
      check(get.value, `${api} GET`);
      if (get.value.bytes !== mib * MiB) throw new Error(`${api} GET returned ${get.value.bytes} bytes, expected ${mib * MiB}`);
      getMs[api] += get.ms;
      runs.push(`GET ${api} ${rate(mib, get.ms)}`);
    }
    console.log(`${mib} MiB runs (MiB/s, in order): ${runs.join(', ')}`);
    console.log(`${mib} MiB PUT  native ${rate(2 * mib, putMs.native)} MiB/s   S3 ${rate(2 * mib, putMs.s3)} MiB/s   ratio ${(putMs.native / putMs.s3).toFixed(2)} (target >= 0.8)`);
    console.log(`${mib} MiB GET  native ${rate(2 * mib, getMs.native)} MiB/s   S3 ${rate(2 * mib, getMs.s3)} MiB/s   ratio ${(getMs.native / getMs.s3).toFixed(2)} (target >= 0.8)`);

    // 2. Small objects through S3, and plain Node http serving 4 KiB in the same run, before
    //    and after the S3 GETs (the ratio is against the mean of the two).
    const small = crypto.randomBytes(4096);
    const keyOf = (i: number) => `small/${String(i).padStart(6, '0')}`;
    const putOps = await concurrently(objects, async (i) => {
      const p = `/bench/${uriEncode(keyOf(i), true)}`;
      check(await request(new URL(s3.origin + p), 'PUT', { ...sign('PUT', host, p), 'content-length': '4096' }, small), 'small PUT');
    });
    const plain = await startPlainServer();
    const plainUrl = new URL(`http://127.0.0.1:${plain.port}/x`);
    // CPU of this process (the clients) and of the plain server per GET, over both passes.
    const plainCpu = { clientMs: 0, serverMs: 0 };
    const plainPass = async () => {
      const client = process.cpuUsage();
      const server = cpuSeconds(plain.pid);
      const ops = await concurrently(objects, async () => {
        check(await request(plainUrl, 'GET', {}), 'plain GET');
      });
      plainCpu.clientMs += cpuMs(process.cpuUsage(client));
      plainCpu.serverMs += (cpuSeconds(plain.pid) - server) * 1000;
      return ops;
    };
    const plainBefore = await plainPass();
    const recorders = perfDir ? profiled.map((i) => startPerf(nodes[i].pid, path.join(perfDir, `node${i}.data`))) : [];
    const reportMessagesBefore = await reportMessages(nodes[0]);
    const getFrom = nowUs();
    const cpuBefore = nodes.map((n) => cpuSeconds(n.pid));
    const clientCpuBefore = process.cpuUsage();
    const getOps = await concurrently(objects, async (i) => {
      const p = `/bench/${uriEncode(keyOf(i), true)}`;
      const r = await request(new URL(s3.origin + p), 'GET', sign('GET', host, p));
      check(r, 'small GET');
      if (r.bytes !== 4096) throw new Error('small GET returned the wrong length');
    });
    const getTo = nowUs();
    const clientCpuPerGet = cpuMs(process.cpuUsage(clientCpuBefore)) / objects;
    await Promise.all(recorders.map((stop) => stop()));
    const cpuPerGet = nodes.map((n, i) => (((cpuSeconds(n.pid) - cpuBefore[i]) * 1000) / objects).toFixed(2));
    const reportMessagesSent = (await reportMessages(nodes[0])) - reportMessagesBefore;
    const plainAfter = await plainPass();
    plain.stop();
    const plainOps = (plainBefore + plainAfter) / 2;
    console.log(`4 KiB PUT  S3 ${putOps.toFixed(0)} ops/s`);
    console.log(`4 KiB GET  S3 ${getOps.toFixed(0)} ops/s   plain node http ${plainBefore.toFixed(0)} before, ${plainAfter.toFixed(0)} after   ratio ${(getOps / plainOps).toFixed(2)} (target >= 0.3)`);
    console.log(`4 KiB GET  CPU per GET (ms): node 0 ${cpuPerGet[0]}, node 1 ${cpuPerGet[1]}, node 2 ${cpuPerGet[2]}; clients ${clientCpuPerGet.toFixed(2)} (signing included)`);
    console.log(`4 KiB GET  plain http CPU per GET (ms): server ${(plainCpu.serverMs / (2 * objects)).toFixed(3)}, clients ${(plainCpu.clientMs / (2 * objects)).toFixed(3)}`);
    console.log(`4 KiB GET  node 0 asked its peers in ${reportMessagesSent} report messages for ${objects} GETs (${(objects / Math.max(1, reportMessagesSent)).toFixed(1)} GETs a message)`);

    // 3. ListObjectsV2 over the small objects, pages of 1,000, through node 1.
    // Each node's event-loop lag is read (which resets prom-client's measure) before and after
    // the pages: the longest stall of each node while they were answered.
    const lagMax = () => Promise.all(nodes.map((n) => metricSum(n, 'nodejs_eventloop_lag_max_seconds')));
    await lagMax();
    const lister = new URL(nodes[1].s3);
    const pages: number[] = [];
    let token: string | undefined;
    let listed = 0;
    do {
      const query: Array<[string, string]> = [['list-type', '2'], ['max-keys', '1000'], ['prefix', 'small/']];
      if (token) query.push(['continuation-token', token]);
      const qs = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
      const page = await timed(() => request(new URL(`${lister.origin}/bench?${qs}`), 'GET', sign('GET', lister.host, '/bench', query), undefined, true));
      check(page.value, 'ListObjectsV2');
      pages.push(page.ms);
      listed += (page.value.body.match(/<Key>/g) ?? []).length;
      token = /<NextContinuationToken>([^<]+)</.exec(page.value.body)?.[1];
    } while (token);
    if (listed !== objects) throw new Error(`listing returned ${listed} keys, expected ${objects}`);
    const sorted = [...pages].sort((a, b) => a - b);
    console.log(`ListObjectsV2  ${pages.length} pages of 1000 (ms, in order): ${pages.map((ms) => ms.toFixed(1)).join(' ')}`);
    const lags = await lagMax();
    console.log(`ListObjectsV2  longest event-loop stall during the pages (ms): ${lags.map((l, i) => `node ${i} ${(l * 1000).toFixed(1)}`).join(', ')}`);
    console.log(`ListObjectsV2  median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms (target < 100 ms)`);
    if (profile) {
      agent.destroy(); // idle keep-alive connections would hold node 0's shutdown open
      for (const i of profiled) {
        const code = await nodes[i].stop('SIGTERM', 60_000);
        if (code !== 0) console.log(`   node ${i} exited with ${code} (a profile is written only on a clean exit); its last lines:\n${nodes[i].logs().split('\n').slice(-15).join('\n')}`);
      }
      if (keepProfiles) fs.mkdirSync(keepProfiles, { recursive: true });
      if (keepProfiles) fs.writeFileSync(path.join(keepProfiles, 'window.json'), JSON.stringify({ fromUs: getFrom, toUs: getTo }));
      for (const i of profiled) {
        printHotFunctions(profileDirs[i], `node ${i} during the 4 KiB GETs`, 30, { fromUs: getFrom, toUs: getTo }, true);
        if (keepProfiles) fs.cpSync(profileDirs[i], path.join(keepProfiles, `node${i}`), { recursive: true });
      }
    }
  } finally {
    agent.destroy();
    await harness.stopAll();
  }
}

/** The ceiling's server (plain-http-server.ts) in a process of its own, and how to end it. */
function startPlainServer(): Promise<{ port: number; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'plain-http-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /port (\d+)/.exec(out)?.[1];
      if (port) resolve({ port: Number(port), pid: child.pid!, stop: () => child.kill() });
    });
    child.once('exit', (code) => reject(new Error(`plain http server exited (${code}) before it listened`)));
  });
}

/** Starts `perf record` on a process; the function returned stops it and waits for its file. */
function startPerf(pid: number, file: string): () => Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const perf = spawn('perf', ['record', '-F', '997', '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' });
  const done = new Promise<void>((resolve) => perf.once('exit', () => resolve()));
  return async () => {
    perf.kill('SIGINT');
    await done;
  };
}

/** Milliseconds of CPU (user and system) in a process.cpuUsage() difference. */
function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Batched report requests (storage.manifest.reports) the node sent. */
function reportMessages(node: TestNode): Promise<number> {
  return metricSum(node, 'p2p_messages_total', (l) => l.includes('type="storage.manifest.reports"') && l.includes('direction="out"'));
}

function rate(mib: number, ms: number): string {
  return (mib / (ms / 1000)).toFixed(1);
}

main().catch((err) => {
  console.error(`bench:s3 failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
