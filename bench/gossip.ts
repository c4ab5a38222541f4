/**
 * npm run bench:gossip -- N : N real nodes on 127.0.0.1 (lan profile), node i bootstrapping
 * only from node i-1 (a chain). Prints the time from the last node's start until every node
 * lists all N alive (median and max over nodes), then, after kill -9 of the middle node, the
 * time until every survivor lists it dead (median and max), and one node's RSS. The nodes run
 * as deployed: TLS 1.3 on every connection (checked: a TLS handshake with node 0, and no node
 * logged the benchmark-only plaintext switch). When serf-gossip.sh (in shared/tools beside the
 * checkout or a folder above it, or named by P2P_BENCH_SERF_SCRIPT) and `serf` are available,
 * runs HashiCorp Serf the same way in the same run, its gossip encrypted too (-encrypt, a
 * fresh key), and prints the ratios.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectTls } from '../test/helpers/tls-probe';
import { parseHostPort } from '../src/config/address';
import { PROJECT_ROOT } from '../test/helpers/cli-runner';
import { NodeHarness, TestNode, rssKiB } from '../test/helpers/node-harness';

/** Like ../shared/tools/serf-gossip.sh: a round every 100 ms, asking the nodes one at a time. */
const POLL_MS = 100;

/**
 * Kept-alive node:http rather than fetch: fetch costs this process about twice the CPU per
 * request (1.0 ms against 0.45 ms here), and on two cores that is taken from the nodes measured.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function getJson(address: string, urlPath: string): Promise<unknown> {
  const { host, port } = parseHostPort(address)!;
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: urlPath, agent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

async function statuses(node: TestNode): Promise<Map<string, string>> {
  try {
    const peers = (await getJson(node.http, '/v1/peers')) as Array<{ nodeId: string; status: string }>;
    return new Map(peers.map((p) => [p.nodeId, p.status]));
  } catch {
    return new Map();
  }
}

/**
 * Polls the nodes that are not there yet, one at a time, in rounds every POLL_MS, the way the
 * Serf script polls its agents (asking 50 nodes at once every few milliseconds would load the
 * two cores enough to slow down what is measured); returns per-node times (ms since `t0`), each
 * taken when the first answer showing `done` arrived.
 */
async function timeUntil(nodes: TestNode[], t0: number, done: (s: Map<string, string>) => boolean, timeoutMs: number): Promise<number[]> {
  const at = new Map<TestNode, number>();
  const deadline = Date.now() + timeoutMs;
  while (at.size < nodes.length) {
    const roundStart = Date.now();
    if (roundStart > deadline) throw new Error(`only ${at.size} of ${nodes.length} nodes got there within ${timeoutMs} ms`);
    for (const n of nodes) {
      if (!at.has(n) && done(await statuses(n))) at.set(n, Date.now() - t0);
    }
    const rest = roundStart + POLL_MS - Date.now();
    if (at.size < nodes.length && rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
  return nodes.map((n) => at.get(n)!);
}

/**
 * When each node logged `address` as a new peer (ms since `t0`, from the log line's timestamp):
 * what the nodes knew, without the delay of polling them.
 */
function heardOf(nodes: TestNode[], address: string, t0: number): number[] {
  return nodes.map((node) => node.loggedAt(`peer ${address}`)).flatMap((at) => (at === undefined ? [] : [at - t0]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** serf-gossip.sh: named by P2P_BENCH_SERF_SCRIPT, or in shared/tools beside the checkout or a folder above it. */
function serfScript(): string | undefined {
  if (process.env.P2P_BENCH_SERF_SCRIPT) return process.env.P2P_BENCH_SERF_SCRIPT;
  for (let dir = path.dirname(PROJECT_ROOT); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'tools', 'serf-gossip.sh');
    if (fs.existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * Serf as serf-gossip.sh runs it, with its gossip encrypted as ours is: the script's `serf` is
 * a wrapper that gives every agent the same fresh -encrypt key (AES-GCM on every message).
 */
function serf(n: number): { join_s: number; fail_all_s: number; rss0_kib: number } | undefined {
  const script = serfScript();
  if (!script || !fs.existsSync(script) || spawnSync('sh', ['-c', 'command -v serf']).status !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-serf-'));
  try {
    const wrapper = path.join(dir, 'serf');
    const key = randomBytes(32).toString('base64');
    fs.writeFileSync(wrapper, `#!/bin/sh\nif [ "$1" = agent ]; then shift; exec serf agent -encrypt=${key} "$@"; fi\nexec serf "$@"\n`, { mode: 0o700 });
    const r = spawnSync('bash', [script, String(n), 'lan'], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, SERF: wrapper } });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) return undefined;
    const kv = Object.fromEntries(line.slice(7).trim().split(/\s+/).map((p) => p.split('=')));
    return { join_s: Number(kv.join_s), fail_all_s: Number(kv.fail_all_s), rss0_kib: Number(kv.rss0_kib) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The transport the nodes ran: TLS 1.3 unless the benchmark-only plaintext switch was on. */
async function transportOf(nodes: TestNode[]): Promise<string> {
  const plaintext = nodes.filter((x) => x.logs().includes('P2P_BENCH_PLAINTEXT_TRANSPORT=1'));
  if (plaintext.length > 0) return `NOT encrypted on ${plaintext.length} node(s) (P2P_BENCH_PLAINTEXT_TRANSPORT=1)`;
  const socket = await connectTls(nodes[0].p2p);
  const version = socket.getProtocol();
  socket.destroy();
  return `${version} on every connection (a TLS handshake with node 0 succeeded; no node ran the plaintext switch)`;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10);
  const h = new NodeHarness();
  const lan = ['--gossip-profile', 'lan', '--http', '127.0.0.1:0'];
  let ours: { joinMedian: number; joinMax: number; failMedian: number; failMax: number; rssMiB: number; bootMs: number; heardMs: number[]; transport: string };
  try {
    const nodes: TestNode[] = [];
    let lastStart = 0;
    for (let i = 0; i < n; i++) {
      lastStart = Date.now();
      nodes.push(await h.start({ name: `n${i}`, args: lan, bootstrap: i > 0 ? [nodes[i - 1].p2p] : [], timeoutMs: 60_000 }));
      // Like serf-gossip.sh, which starts agent i+1 once agent i answers an RPC: ask node i once
      // before starting the next. (So the clock does not count a first connection to each node.)
      if (i < n - 1) await statuses(nodes[i]);
    }
    const bootMs = Date.now() - lastStart;
    const joins = await timeUntil(nodes, lastStart, (s) => [...s.values()].filter((v) => v === 'alive').length === n - 1, 120_000);
    const heardMs = heardOf(nodes.slice(0, -1), nodes[n - 1].p2p, lastStart);
    const rssMiB = rssKiB(nodes[0].pid) / 1024;
    const transport = await transportOf(nodes);
    const victim = nodes[Math.floor(n / 2)];
    const killedAt = Date.now();
    await victim.kill();
    const survivors = nodes.filter((x) => x !== victim);
    const fails = await timeUntil(survivors, killedAt, (s) => s.get(victim.nodeId) === 'dead', 120_000);
    ours = { joinMedian: median(joins), joinMax: Math.max(...joins), failMedian: median(fails), failMax: Math.max(...fails), rssMiB, bootMs, heardMs, transport };
  } finally {
    agent.destroy();
    await h.stopAll();
  }
  console.log(`load average (1/5/15 min, ${os.cpus().length} cores) at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`p2p-storage N=${n} (lan, chain bootstrap, 127.0.0.1, nodes polled one at a time in rounds every ${POLL_MS} ms):`);
  console.log(`  transport: ${ours.transport}`);
  console.log(`  join: every node lists all ${n} alive: median ${(ours.joinMedian / 1000).toFixed(2)} s, max ${(ours.joinMax / 1000).toFixed(2)} s (worst node ${((ours.joinMax - ours.joinMedian) / 1000).toFixed(2)} s behind the median)`);
  console.log(`  (the last node took ${(ours.bootMs / 1000).toFixed(2)} s from spawn to its ready line: process start-up; join after ready: max ${((ours.joinMax - ours.bootMs) / 1000).toFixed(2)} s)`);
  if (ours.heardMs.length === n - 1) {
    console.log(`  (every other node logged the last node as connected after: median ${(median(ours.heardMs) / 1000).toFixed(2)} s, max ${(Math.max(...ours.heardMs) / 1000).toFixed(2)} s from its spawn; the polls above add their own rounds)`);
  }
  console.log(`  failure: every survivor lists the killed node dead: median ${(ours.failMedian / 1000).toFixed(2)} s, max ${(ours.failMax / 1000).toFixed(2)} s (worst ${((ours.failMax - ours.failMedian) / 1000).toFixed(2)} s behind)`);
  console.log(`  RSS of node 0: ${ours.rssMiB.toFixed(1)} MiB`);
  const s = serf(n);
  if (!s) {
    console.log('Serf: not run (needs `apt-get install -y serf` and serf-gossip.sh: shared/tools beside the checkout or above it, or P2P_BENCH_SERF_SCRIPT)');
    return;
  }
  console.log(`Serf N=${n} (lan, same chain, same run, gossip encrypted with -encrypt): join ${s.join_s} s, failure seen by all ${s.fail_all_s} s, RSS ${(s.rss0_kib / 1024).toFixed(1)} MiB`);
  console.log(
    `ratios ours/Serf: join ${(ours.joinMax / 1000 / s.join_s).toFixed(2)} from spawn, ${(Math.max(0, ours.joinMax - ours.bootMs) / 1000 / s.join_s).toFixed(2)} after ready (target <= 1); ` +
      `failure ${(ours.failMax / 1000 / s.fail_all_s).toFixed(2)} (target <= 0.75)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
