#!/usr/bin/env node
/**
 * Makes dist/p2p.js.cache, the V8 code cache that bin/p2p loads the bundle with (see
 * src/launch.ts): starts one throw-away node on 127.0.0.1 (ports chosen by the system, a
 * temporary folder), waits for its ready line, sends it the HTTP requests every node answers
 * soon after it starts (health, peers, metrics, a small file stored, read, listed and deleted),
 * stops it with SIGTERM, and lets the launcher write what V8 compiled on the way. Without the
 * requests, a new node's first answers would wait for V8 to compile Express and our
 * controllers. Run by `npm run build`.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { binNodeFlags } = require('./node-flags');

const root = path.resolve(__dirname, '..');
const launcher = path.join(root, 'dist', 'src', 'launch.js');
const cacheFile = path.join(root, 'dist', 'p2p.js.cache');
const TIMEOUT_MS = 60_000;

// The same V8 flags as bin/p2p: V8 rejects a cache made under flags that change code generation.
const NODE_FLAGS = binNodeFlags(root);

/** The requests a fresh node typically gets first; each must succeed. */
async function exerciseHttp(http) {
  const base = `http://${http}`;
  const call = async (method, p, body) => {
    const res = await fetch(base + p, { method, body });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status}`);
  };
  for (let round = 0; round < 3; round++) {
    await call('GET', '/healthz');
    await call('GET', '/readyz');
    await call('GET', '/v1/peers');
    await call('GET', '/metrics');
    await call('PUT', '/v1/files/code-cache-warm-up', Buffer.alloc(4096, round));
    await call('GET', '/v1/files/code-cache-warm-up');
    await call('GET', '/v1/files/code-cache-warm-up/replicas');
    await call('GET', '/v1/files');
    await call('DELETE', '/v1/files/code-cache-warm-up');
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-code-cache-'));
  fs.rmSync(cacheFile, { force: true });
  try {
    const args = [...NODE_FLAGS, launcher, 'serve', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', path.join(dir, 'p2p.db'), '--gossip-profile', 'local'];
    const child = spawn(process.execPath, args, { env: { ...process.env, P2P_CODE_CACHE_WRITE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within ${TIMEOUT_MS} ms:\n${output}`)), TIMEOUT_MS);
      const onData = (d) => {
        output += d;
        const m = /ready: node=\S+ p2p=\S+ http=(\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the node exited (${code}) before it was ready:\n${output}`));
      });
    });
    try {
      const http = await ready;
      await exerciseHttp(http);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    if (code !== 0) throw new Error(`the node exited with ${code} after SIGTERM:\n${output}`);
    if (!fs.existsSync(cacheFile)) throw new Error('the node stopped but wrote no code cache');
    console.log(`code cache: ${path.relative(root, cacheFile)} (${(fs.statSync(cacheFile).size / 1048576).toFixed(1)} MiB)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`code-cache: ${err.message}`);
  process.exit(1);
});
