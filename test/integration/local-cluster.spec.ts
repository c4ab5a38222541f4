/**
 * `npm run cluster` stopped the ways a supervisor or a script stops it (a signal to npm's PID,
 * or npm killed outright): all three nodes stop, leaving the cluster gracefully, and free their
 * ports. The script runs on ports of its own and a data folder of its own, without a rebuild.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { PROJECT_ROOT } from '../helpers/cli-runner';
import { removeDir, tmpDir } from '../helpers/tmp-dir';
import { waitFor } from '../helpers/wait-for';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port whose cluster ports (base, +1000, +2000) and their HTTP ports (+10000) are all free. */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 9000);
    const ports = [0, 1000, 2000].flatMap((d) => [base + d, base + d + 10000]);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Cluster {
  npm: ChildProcess;
  base: number;
  output(): string;
  /** PIDs of the three nodes, read from their log lines ("node 3000 | [p2p] 1234 ..."). */
  nodePids(): number[];
}

async function startCluster(dataDir: string): Promise<Cluster> {
  const base = await freeBase();
  const npm = spawn('npm', ['run', '--silent', 'cluster'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, P2P_CLUSTER_BASE_PORT: String(base), P2P_CLUSTER_DATA: dataDir, P2P_CLUSTER_SKIP_BUILD: '1', P2P_GOSSIP_PROFILE: 'local' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a shell gives a foreground job: Ctrl-C signals the whole group.
    detached: true,
  });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const pids = () => [...new Set([...out.matchAll(/^node \d+ \| \[p2p\] (\d+) /gm)].map((m) => Number(m[1])))];
  await waitFor(() => (out.match(/ready: node=/g) ?? []).length === 3, { timeoutMs: 60_000, description: `three nodes ready:\n${out}` });
  return { npm, base, output: () => out, nodePids: pids };
}

describe('npm run cluster', () => {
  const dirs: string[] = [];
  const started: number[] = [];
  after(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const d of dirs) removeDir(d);
  });

  for (const [how, stop] of [
    ['SIGTERM to npm', (c: Cluster) => c.npm.kill('SIGTERM')],
    ['SIGINT to npm', (c: Cluster) => c.npm.kill('SIGINT')],
    ['npm killed (SIGKILL)', (c: Cluster) => c.npm.kill('SIGKILL')],
    ['Ctrl-C (SIGINT to the process group)', (c: Cluster) => process.kill(-c.npm.pid!, 'SIGINT')],
  ] as const) {
    it(`${how} stops all three nodes gracefully and frees their ports`, async () => {
      const dir = tmpDir('cluster');
      dirs.push(dir);
      const cluster = await startCluster(dir);
      const pids = cluster.nodePids();
      started.push(cluster.npm.pid!, ...pids);
      assert.equal(pids.length, 3, cluster.output());
      // The banner's commands name the data folder the nodes really use (P2P_CLUSTER_DATA here).
      assert.match(cluster.output(), new RegExp(`\\(data in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\)`));
      assert.ok(cluster.output().includes(`./bin/p2p peers --db ${dir}/node_${cluster.base + 2000}/p2p.db`), cluster.output());
      stop(cluster);
      await waitFor(() => pids.every((p) => !alive(p)), { timeoutMs: 20_000, description: `the nodes to exit after ${how}:\n${cluster.output()}` });
      // Each node finished its graceful leave (a second signal in the middle would cut it short).
      assert.equal((cluster.output().match(/\[Node\] stopped/g) ?? []).length, 3, cluster.output());
      for (const d of [0, 1000, 2000]) assert.ok(await portFree(cluster.base + d), `port ${cluster.base + d} is free`);
    });
  }
});
