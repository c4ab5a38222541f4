#!/usr/bin/env node
// Starts a local 3-node cluster in the foreground, as in the README's Quick start:
// node_3000, node_4000 and node_5000 under ./cluster-data (kept between runs), each node
// bootstrapping from the previous one. Ctrl-C stops all three (they leave gracefully).
// Ports move with P2P_CLUSTER_BASE_PORT (default 3000: nodes on 3000, 4000, 5000), the data
// with P2P_CLUSTER_DATA (default ./cluster-data); P2P_CLUSTER_SKIP_BUILD=1 skips the build.
//
// Every way of stopping it stops the three nodes gracefully (one SIGTERM each, then they leave):
// Ctrl-C, SIGTERM/SIGINT/SIGHUP to this script or to `npm run cluster` (package.json execs this
// script, so npm's forwarded signal reaches it rather than a shell that would die without passing
// it on), and npm or this script's parent being killed outright (noticed within a second).
// The nodes run in their own process group, so a terminal's Ctrl-C reaches them only through
// this script: a node that got the terminal's SIGINT and then this script's SIGTERM would be
// killed by the second signal in the middle of its leave.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const base = Number(process.env.P2P_CLUSTER_BASE_PORT || 3000);
const dataRoot = path.resolve(root, process.env.P2P_CLUSTER_DATA || 'cluster-data');
const ports = [base, base + 1000, base + 2000];
const children = [];
let stopping = false;

if (process.env.P2P_CLUSTER_SKIP_BUILD !== '1') {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

for (const [i, port] of ports.entries()) {
  const dir = path.join(dataRoot, `node_${port}`);
  fs.mkdirSync(dir, { recursive: true });
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--db', path.join(dir, 'p2p.db')];
  if (i > 0) args.push('--bootstrap', `127.0.0.1:${ports[i - 1]}`);
  const child = spawn(path.join(root, 'bin', 'p2p'), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  const tag = `node ${port} | `;
  const relay = (stream, out) => {
    let rest = '';
    stream.on('data', (d) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop();
      for (const line of lines) out.write(tag + line + '\n');
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${tag}exited (${signal ?? code}); stopping the cluster`);
      stop(1);
    }
  });
}

// The data folder as the commands below must name it: relative to the project (where they
// run) when it is inside it, else in full (P2P_CLUSTER_DATA=/somewhere/else).
const inside = path.relative(root, dataRoot);
const shown = inside && !inside.startsWith('..') && !path.isAbsolute(inside) ? inside : dataRoot;
console.log(`
Local cluster: 3 nodes on 127.0.0.1:${ports.join(', 127.0.0.1:')} (data in ${shown}/).
Try, in another terminal:
  echo "Hello P2P Storage!" > test.txt
  ./bin/p2p store testfile test.txt --bootstrap 127.0.0.1:${ports[2]}
  ./bin/p2p get testfile --bootstrap 127.0.0.1:${ports[0]} --out retrieved.txt
  ./bin/p2p peers --db ${path.join(shown, `node_${ports[2]}`, 'p2p.db')}
  curl -s 127.0.0.1:${ports[0] + 10000}/readyz
Ctrl-C stops the cluster.
`);

function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    process.exit(code);
  }, 8000);
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => {
    clearTimeout(deadline);
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));
// The parent (npm, a shell, a supervisor) killed without a chance to signal: this process is
// handed to init or a subreaper, and its parent PID changes.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(0), 500).unref();
