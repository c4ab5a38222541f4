/**
 * Real nodes for integration tests: `p2p serve` on 127.0.0.1 with a free port below the
 * kernel's ephemeral range (freePort), each in its own temp folder, with the `local` gossip
 * profile.
 * Every process started is tracked and killed by PID in `stopAll()`; folders are removed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { PROJECT_ROOT } from './cli-runner';
import { binEnv, binNodeFlags } from './node-flags';
import { removeDir, tmpDir } from './tmp-dir';

// What bin/p2p runs: the bundled CLI through its code cache (src/launch.ts).
const MAIN = path.join(PROJECT_ROOT, 'dist', 'src', 'launch.js');

export interface TestNode {
  name: string;
  pid: number;
  nodeId: string;
  /** host:port others dial. */
  p2p: string;
  /** host:port of the HTTP side, or "off". */
  http: string;
  /** URL of the S3 endpoint (http://host:port or https://...), or "off". */
  s3: string;
  dir: string;
  dbPath: string;
  process: ChildProcess;
  logs(): string;
  /** When the node first logged a line containing `text` (ms since the epoch, from the line's timestamp). */
  loggedAt(text: string): number | undefined;
  /** Sends a signal and waits for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  kill(): Promise<number | null>;
  peakRssKiB(): number;
}

export interface StartOptions {
  name?: string;
  dir?: string;
  listen?: string;
  bootstrap?: string[];
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Flags for the node binary itself (for example `-r` a test preload). */
  nodeArgs?: string[];
  timeoutMs?: number;
  /**
   * Run the node as this Unix user (the test must be root): its folder is chowned to it. Lets
   * iptables tell nodes apart by owner (test/helpers/net-faults.ts).
   */
  user?: { uid: number; gid: number };
}

export class NodeHarness {
  private readonly nodes = new Set<TestNode>();
  private readonly dirs = new Set<string>();

  /** A folder that `stopAll` removes. */
  dir(prefix: string): string {
    const d = tmpDir(prefix);
    this.dirs.add(d);
    return d;
  }

  /**
   * A node on `options.listen`, or on a port of freePort's: then a port some other process took
   * between the check and the bind (another test's node) is given up for another, a few times.
   */
  async start(options: StartOptions = {}): Promise<TestNode> {
    const name = options.name ?? `node${this.nodes.size}`;
    const dir = options.dir ?? this.dir(name);
    if (options.listen) return this.launch({ ...options, name, dir, listen: options.listen });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launch({ ...options, name, dir, listen: `127.0.0.1:${await freePort()}` });
      } catch (err) {
        if (attempt === 5 || !/address already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  private async launch(options: StartOptions & { name: string; dir: string; listen: string }): Promise<TestNode> {
    const { name, dir } = options;
    const dbPath = path.join(dir, 'p2p.db');
    const args = [...binNodeFlags(), ...(options.nodeArgs ?? []), MAIN, 'serve', '--listen', options.listen, '--db', dbPath, '--gossip-profile', 'local'];
    if (options.bootstrap?.length) args.push('--bootstrap', options.bootstrap.join(','));
    args.push(...(options.args ?? []));
    if (options.user) chownTree(dir, options.user.uid, options.user.gid);
    const child = spawn(process.execPath, args, { env: { ...binEnv(process.env), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], uid: options.user?.uid, gid: options.user?.gid });
    let output = '';
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(child.pid))), 100);
    sampler.unref();
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
      clearInterval(sampler);
      resolve(code);
    }));
    const node: TestNode = {
      name,
      pid: child.pid!,
      nodeId: '',
      p2p: '',
      http: '',
      s3: '',
      dir,
      dbPath,
      process: child,
      logs: () => output,
      loggedAt: (text) => logTime(output, text),
      stop: async (signal = 'SIGTERM', graceMs = 10_000) => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
      kill: () => node.stop('SIGKILL'),
      peakRssKiB: () => Math.max(peak, rssKiB(child.pid)),
    };
    this.nodes.add(node);
    const timeoutMs = options.timeoutMs ?? 20_000;
    const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const check = () => {
        // A node refused by every bootstrap peer logs "not ready: node=… p2p=… http=…" instead.
        const m = /ready: node=(\S+) p2p=(\S+) http=(\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`));
      });
    });
    node.nodeId = ready[1];
    node.p2p = ready[2];
    node.http = ready[3];
    node.s3 = /^[^\n]* s3=(\S+)/.exec(output.slice(ready.index))?.[1] ?? 'off';
    return node;
  }

  /** n nodes, node i bootstrapping from node i-1 (a chain, as in the seed README). */
  async chain(n: number, options: Omit<StartOptions, 'bootstrap' | 'name'> = {}): Promise<TestNode[]> {
    const out: TestNode[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await this.start({ ...options, name: `node${i}`, bootstrap: i > 0 ? [out[i - 1].p2p] : [] }));
    }
    return out;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes].map((n) => n.stop('SIGKILL')));
    this.nodes.clear();
    for (const d of this.dirs) removeDir(d);
    this.dirs.clear();
  }
}

/**
 * Lowest and highest p2p port freePort hands out. Below the kernel's ephemeral range (Linux:
 * 32768-60999), from which every outgoing connection takes its local port: a port of that range,
 * free a moment ago, may be any connection's by the time a node binds it, or re-binds it after a
 * restart on the same address. The node's default HTTP and S3 ports (+10000, +6000) stay below it.
 */
const PORT_LOW = 20_000;
const PORT_HIGH = 32_767 - 10_000;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A p2p port that was free a moment ago, with its default HTTP and S3 ports (+10000, +6000), and
 * that no outgoing connection can take meanwhile (see PORT_LOW): for nodes that must restart on
 * the same address, and what NodeHarness.start binds by default.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW + 1));
    if ((await Promise.all([port, port + 6_000, port + 10_000].map(portIsFree))).every(Boolean)) return port;
  }
}

/**
 * Runs a test body; if it throws, the log of each node `nodes()` names then (the last 300
 * lines) goes to stderr before the error, so a failed fault test shows what the nodes said.
 */
export async function logsOnFailure<T>(nodes: () => TestNode[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    for (const node of nodes().filter(Boolean)) {
      const lines = node.logs().split('\n');
      process.stderr.write(`\n===== ${node.name} (${node.nodeId.slice(0, 8)}, ${node.p2p}), last ${Math.min(300, lines.length)} lines =====\n${lines.slice(-300).join('\n')}\n`);
    }
    throw err;
  }
}

/** Gives a folder and everything in it to a user (a node restarted in a folder it used before). */
function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, uid, gid);
    else fs.lchownSync(full, uid, gid);
  }
}

/** The ISO-8601 timestamp of the first line of `output` that contains `text`, in ms. */
function logTime(output: string, text: string): number | undefined {
  const line = output.split('\n').find((l) => l.includes(text));
  const at = Date.parse(/\d{4}-\d\d-\d\dT[\d:.]+Z/.exec(line ?? '')?.[0] ?? '');
  return Number.isFinite(at) ? at : undefined;
}

export function rssKiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The members a node lists alive right now, from its HTTP API (empty while it cannot answer). */
export async function alivePeerIds(node: TestNode): Promise<string[]> {
  try {
    const peers = (await (await fetch(`http://${node.http}/v1/peers`)).json()) as Array<{ nodeId: string; status: string }>;
    return peers.filter((p) => p.status === 'alive').map((p) => p.nodeId);
  } catch {
    return [];
  }
}

/** Waits until every one of `nodes` lists all the others alive. */
export async function waitForMesh(nodes: TestNode[], timeoutMs = 20_000): Promise<void> {
  const { waitFor } = await import('./wait-for');
  await waitFor(async () => {
    for (const n of nodes) {
      const alive = await alivePeerIds(n);
      if (!nodes.every((o) => o === n || alive.includes(o.nodeId))) return false;
    }
    return true;
  }, { timeoutMs, description: `all ${nodes.length} nodes to list each other alive` });
}
