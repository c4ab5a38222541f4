/**
 * Safe defaults (issue #12): a node with no cluster secret is reachable from this machine only;
 * binding another interface without a secret takes --insecure-open-cluster; the HTTP API wants
 * the API token whenever one is set or the API is reachable from other hosts, and accepts every
 * token of the keyring. Reachability is checked for real: Linux routes all of 127.0.0.0/8 to
 * the loopback interface, so a listener bound to every interface answers on 127.0.0.2 while
 * one bound to 127.0.0.1 refuses it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

const S3_KEYS = 'AKIDSAFEDEFAULTS:safe-defaults-s3-secret';

/** Whether a TCP connection to host:port is accepted (false when refused). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`connect to ${host}:${port} neither accepted nor refused within 5 s`));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(false) : reject(err)));
  });
}

const portOf = (address: string) => Number(/:(\d+)$/.exec(address.replace(/\/$/, ''))?.[1]);
const ports = (n: TestNode) => ({ p2p: portOf(n.p2p), http: portOf(n.http), s3: portOf(n.s3) });
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/** `p2p serve` that must be refused at start: its exit code and the lines of its stderr. */
async function refusedServe(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['serve', '--db', path.join(harness.dir('refused'), 'p2p.db'), '--gossip-profile', 'local', ...args], { env, timeoutMs: 20_000 });
  return { code: r.code, lines: r.stderr.trim().split('\n'), stdout: r.stdout };
}

const harness = new NodeHarness();

describe('safe defaults: where a node without a cluster secret listens', () => {
  after(() => harness.stopAll());

  it('with no secret and no host in --listen, every listener binds 127.0.0.1 only', async () => {
    const node = await harness.start({ listen: ':0', args: ['--s3-keys', S3_KEYS] });
    assert.match(node.logs(), /ready: .* listen=127\.0\.0\.1:\d+/);
    const p = ports(node);
    for (const [what, port] of Object.entries(p)) {
      assert.ok(port > 0, `${what} port in the ready line`);
      assert.equal(await accepts('127.0.0.1', port), true, `${what} on 127.0.0.1`);
      assert.equal(await accepts('127.0.0.2', port), false, `${what} must not answer on 127.0.0.2`);
    }
  });

  for (const [what, args] of [
    ['--listen 0.0.0.0', ['--listen', '0.0.0.0:0']],
    ['--listen ::', ['--listen', '[::]:0']],
    ['--http 0.0.0.0', ['--listen', '127.0.0.1:0', '--http', '0.0.0.0:0']],
    ['--s3 0.0.0.0', ['--listen', '127.0.0.1:0', '--s3', '0.0.0.0:0', '--s3-keys', S3_KEYS]],
  ] as const) {
    it(`refuses ${what} without a secret: one line naming the way out, exit 2`, async () => {
      const r = await refusedServe([...args]);
      assert.equal(r.code, 2, r.lines.join('\n'));
      assert.equal(r.lines.length, 1, r.lines.join('\n'));
      assert.match(r.lines[0], /no cluster secret/);
      assert.match(r.lines[0], /--cluster-secret/);
      assert.match(r.lines[0], /--insecure-open-cluster/);
      assert.match(r.lines[0], /127\.0\.0\.1/);
      assert.doesNotMatch(r.stdout, /ready:/);
    });
  }

  it('refuses P2P_LISTEN=0.0.0.0:0 the same way', async () => {
    const r = await refusedServe([], { P2P_LISTEN: '0.0.0.0:0' });
    assert.equal(r.code, 2);
    assert.match(r.lines[0], /--insecure-open-cluster/);
  });

  it('--insecure-open-cluster binds every interface, with a warning', async () => {
    const node = await harness.start({ listen: '0.0.0.0:0', args: ['--insecure-open-cluster', '--s3-keys', S3_KEYS] });
    assert.match(node.logs(), /WARN.*--insecure-open-cluster/);
    for (const [what, port] of Object.entries(ports(node))) assert.equal(await accepts('127.0.0.2', port), true, `${what} on 127.0.0.2`);
  });

  it('P2P_INSECURE_OPEN_CLUSTER=true does the same, and =false does not', async () => {
    const node = await harness.start({ listen: ':0', env: { P2P_INSECURE_OPEN_CLUSTER: 'true' } });
    assert.equal(await accepts('127.0.0.2', ports(node).p2p), true);
    const r = await refusedServe(['--listen', '0.0.0.0:0'], { P2P_INSECURE_OPEN_CLUSTER: 'false' });
    assert.equal(r.code, 2, r.lines.join('\n'));
  });

  it('with a cluster secret, no host in --listen still means every interface', async () => {
    const node = await harness.start({ listen: ':0', args: ['--cluster-secret', 'a-real-secret', '--api-token', 'tok'] });
    assert.doesNotMatch(node.logs(), /--insecure-open-cluster/);
    assert.equal(await accepts('127.0.0.2', ports(node).p2p), true);
    assert.equal(await accepts('127.0.0.2', ports(node).http), true);
  });
});

describe('safe defaults: who may use the HTTP API', () => {
  after(() => harness.stopAll());
  const url = (n: TestNode, p: string, host = '127.0.0.1') => `http://${host}:${ports(n).http}${p}`;
  const API = ['/v1/files', '/v1/peers', '/v1/files/some-key/replicas'];

  it('reachable from other hosts with no token set: the API answers nobody, health and metrics stay open', async () => {
    const node = await harness.start({ listen: '0.0.0.0:0', args: ['--insecure-open-cluster'] });
    assert.match(node.logs(), /WARN.*--api-token/);
    for (const p of API) {
      const r = await fetch(url(node, p, '127.0.0.2'));
      assert.equal(r.status, 401, p);
      assert.match(await r.text(), /--api-token/);
    }
    for (const p of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(url(node, p, '127.0.0.2'))).status, 200, p);
  });

  it('--api-token without a secret is honoured: every token of the keyring, and nothing else', async () => {
    const node = await harness.start({ args: ['--api-token', 'first-token,second-token-longer'] });
    for (const p of API) {
      assert.equal((await fetch(url(node, p))).status, 401, `${p} without a token`);
      assert.notEqual((await fetch(url(node, p), bearer('first-token'))).status, 401, `${p} first token`);
      assert.notEqual((await fetch(url(node, p), bearer('second-token-longer'))).status, 401, `${p} second token`);
      for (const wrong of ['first-toke', 'first-tokenX', 'second-token', '', 'FIRST-TOKEN']) {
        assert.equal((await fetch(url(node, p), bearer(wrong))).status, 401, `${p} with "${wrong}"`);
      }
    }
    assert.equal((await fetch(url(node, '/metrics'))).status, 200);
  });

  it('a token added to --api-token-file is accepted after SIGHUP, a removed one is not', async () => {
    const dir = harness.dir('tokens');
    const file = path.join(dir, 'tokens');
    fs.writeFileSync(file, 'old-token\n', { mode: 0o600 });
    const node = await harness.start({ args: ['--api-token-file', file] });
    assert.equal((await fetch(url(node, '/v1/files'), bearer('old-token'))).status, 200);
    fs.writeFileSync(file, 'new-token\n');
    node.process.kill('SIGHUP');
    await waitFor(async () => (await fetch(url(node, '/v1/files'), bearer('new-token'))).status === 200, { description: 'the new token accepted' });
    assert.equal((await fetch(url(node, '/v1/files'), bearer('old-token'))).status, 401);
  });

  it('--metrics-require-token puts /metrics behind the token too; health stays open', async () => {
    const node = await harness.start({ args: ['--api-token', 'tok', '--metrics-require-token'] });
    assert.equal((await fetch(url(node, '/metrics'))).status, 401);
    const ok = await fetch(url(node, '/metrics'), bearer('tok'));
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /p2p_members/);
    for (const p of ['/healthz', '/readyz']) assert.equal((await fetch(url(node, p))).status, 200, p);
  });

  it('--metrics-require-token with no API token is refused at start', async () => {
    const r = await refusedServe(['--listen', '127.0.0.1:0', '--metrics-require-token']);
    assert.equal(r.code, 2);
    assert.equal(r.lines.length, 1, r.lines.join('\n'));
    assert.match(r.lines[0], /--metrics-require-token.*--api-token/);
  });

  it('on loopback with no secret and no token the API stays open (npm run cluster, the seed README)', async () => {
    const node = await harness.start();
    assert.equal((await fetch(url(node, '/v1/files'))).status, 200);
  });
});
