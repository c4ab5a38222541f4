import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, NodeHarness, TestNode } from '../helpers/node-harness';
import { cliJson, PROJECT_ROOT, runCli } from '../helpers/cli-runner';

/** Each bad input: exactly one "error: " line on stderr and the documented exit code. */
function assertOneLineError(r: { code: number; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, /^error: [^\n]+\n$/);
  assert.match(r.stderr, pattern);
}

describe('CLI errors and edge cases', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let dir: string;

  before(async () => {
    a = await harness.start({ name: 'a' });
    dir = harness.dir('cli');
  });
  after(() => harness.stopAll());

  it('store of a missing file names the path, exit 2', async () => {
    assertOneLineError(await runCli(['store', 'k', path.join(dir, 'nope.txt'), '--bootstrap', a.p2p]), 2, /nope\.txt.*no such file/);
  });

  it('an unreachable bootstrap is exit 4, said once; several name each', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const one = await runCli(['get', 'k', '--bootstrap', `127.0.0.1:${port}`]);
    assertOneLineError(one, 4, new RegExp(`^error: cannot reach 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
    assert.equal(one.stderr.split('cannot reach').length - 1, 1, `one "cannot reach" in: ${one.stderr}`);
    const two = await runCli(['get', 'k', '--bootstrap', `127.0.0.1:${port},127.0.0.1:${other}`]);
    assertOneLineError(two, 4, new RegExp(`^error: cannot reach 127\\.0\\.0\\.1:${port},127\\.0\\.0\\.1:${other}: no node answered: 127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED[^)]*\\); 127\\.0\\.0\\.1:${other} \\(connect ECONNREFUSED`));
  });

  it('a port already in use is one line naming its flag, for each listener', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = `127.0.0.1:${(blocker.address() as net.AddressInfo).port}`;
    try {
      const serve = (args: string[]) => runCli(['serve', '--db', path.join(dir, `in-use-${args[0].slice(2)}.db`), ...args], { timeoutMs: 30_000 });
      assertOneLineError(await serve(['--listen', taken]), 1, new RegExp(`^error: --listen ${taken}: address already in use`));
      assertOneLineError(await serve(['--http', taken, '--listen', '127.0.0.1:0']), 1, new RegExp(`^error: --http ${taken}: address already in use`));
      assertOneLineError(await serve(['--s3', taken, '--listen', '127.0.0.1:0', '--s3-keys', 'P2PTESTKEY0000000001:secret-of-forty-characters-0000000000000']), 1, new RegExp(`^error: --s3 ${taken}: address already in use`));
    } finally {
      blocker.close();
    }
  });

  it('an unknown key is exit 3 for get and delete', async () => {
    assertOneLineError(await runCli(['get', 'missing-key', '--bootstrap', a.p2p]), 3, /file "missing-key" not found/);
    assertOneLineError(await runCli(['delete', 'missing-key', '--bootstrap', a.p2p]), 3, /not found/);
  });

  it('bad flag values are exit 2 and name every bad flag', async () => {
    assertOneLineError(await runCli(['serve', '--listen', 'nonsense', '--replicas', '0', '--db', path.join(dir, 'x.db')]), 2, /--listen.*--replicas/);
    assertOneLineError(await runCli(['store', 'k', path.join(dir, 'f'), '--bootstrap', 'not an address']), 2, /--bootstrap/);
    assertOneLineError(await runCli(['cleanup', '--db', path.join(dir, 'c.db'), '--older-than', 'soon']), 2, /--older-than/);
    assertOneLineError(
      await runCli(['serve', '--gossip-override', 'probeIntervalMs=100ms,probeTimeoutMs=1s', '--db', path.join(dir, 'g.db')]),
      2,
      /--gossip-override: probeTimeoutMs=1000 must be below probeIntervalMs=100/,
    );
  });

  it('serve takes --gossip-override, says what it changed, and runs with it', async () => {
    const b = await harness.start({ name: 'b', bootstrap: [a.p2p], args: ['--gossip-override', 'gossipIntervalMs=500ms,retransmitMult=5'] });
    assert.match(b.logs(), /gossip profile local with gossipIntervalMs=500, retransmitMult=5 \(--gossip-override\)/);
    // A leaving node keeps gossiping for 4 gossip intervals (at most 2 s): 0.2 s in local,
    // 2 s with the override.
    assert.equal(await b.stop('SIGTERM'), 0, b.logs());
    const leftAfter = b.loggedAt('stopped')! - b.loggedAt('leaving the cluster')!;
    assert.ok(leftAfter >= 1900, `left after ${leftAfter} ms`);
  });

  it('an invalid key is exit 2', async () => {
    const f = path.join(dir, 'f.txt');
    fs.writeFileSync(f, 'x');
    assertOneLineError(await runCli(['store', 'bad\u0001key', f, '--bootstrap', a.p2p]), 2, /control characters/);
  });

  it('the p2p_node_info metric carries the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    const metrics = await (await fetch(`http://${a.http}/metrics`)).text();
    assert.match(metrics, new RegExp(`^p2p_node_info\\{[^}]*version="${version.replace(/\./g, '\\.')}"[^}]*\\} 1$`, 'm'));
  });

  it('inspect --json gives the size of a stored file; shares --json gives this node\'s own address', async () => {
    const f = path.join(dir, 'sized.txt');
    fs.writeFileSync(f, 'twelve bytes');
    assert.equal((await runCli(['store', 'sized', f, '--bootstrap', a.p2p])).code, 0);
    const report = await cliJson<{ size: number | null }>(['inspect', 'sized', '--bootstrap', a.p2p]);
    assert.equal(report.size, 12);
    const shares = await cliJson<Array<{ key: string; nodeId: string; address: string; self: boolean }>>(['shares', '--db', a.dbPath]);
    const own = shares.find((s) => s.key === 'sized' && s.nodeId === a.nodeId);
    assert.ok(own, JSON.stringify(shares));
    assert.equal(own.address, a.p2p);
    assert.equal(own.self, true);
  });

  it('JSON log lines carry ISO-8601 UTC timestamps, as text lines do', async () => {
    const j = await harness.start({ name: 'json', args: ['--log-format', 'json'] });
    const lines = j.logs().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 0, j.logs());
    for (const line of lines) {
      const entry = JSON.parse(line) as { timestamp: unknown; message: unknown };
      assert.match(String(entry.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    }
  });

  it('--help explains every command and flag', async () => {
    const top = await runCli(['--help']);
    for (const cmd of ['serve', 'store', 'get', 'delete', 'peers', 'cleanup', 'files', 'shares']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
    const serve = await runCli(['serve', '--help']);
    for (const flag of ['--listen', '--db', '--bootstrap', '--advertise', '--replicas', '--write-quorum', '--http', '--cluster-secret', '--api-token', '--gossip-profile', '--gossip-override', '--tombstone-ttl', '--repair-grace', '--repair-bandwidth', '--log-level', '--log-format']) {
      assert.ok(serve.stdout.includes(flag), `serve --help mentions ${flag}`);
    }
    const unknown = await runCli(['store', '--no-such-flag']);
    assert.equal(unknown.code, 2);
  });
});
