/**
 * Starting and measuring real nodes for the benchmarks: spawn `serve` on 127.0.0.1 with a
 * free port, read the ready line, sample peak RSS from /proc, stop by PID.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

export interface BenchNode {
  child: ChildProcess;
  pid: number;
  p2p: string;
  http: string;
  nodeId: string;
  dir: string;
  dbPath: string;
  peakRssKiB(): number;
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `p2p-bench-${prefix}-`));
}

export async function startNode(dir: string, extra: string[] = [], timeoutMs = 20_000): Promise<BenchNode> {
  fs.mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'p2p.db');
  const child = spawn(process.execPath, [MAIN, 'serve', '--listen', '127.0.0.1:0', '--db', dbPath, '--log-level', 'warn', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(child.pid!))), 50);
  sampler.unref();
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not get ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ready: node=(\S+) p2p=(\S+) http=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`node exited (${code}) before ready:\n${out}`)));
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    pid: child.pid!,
    nodeId: ready[1],
    p2p: ready[2],
    http: ready[3],
    dir,
    dbPath,
    peakRssKiB: () => Math.max(peak, rssKiB(child.pid!)),
    stop: async () => {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs ./bin/p2p synchronously; returns its output, exit code and wall time. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string; ms: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
