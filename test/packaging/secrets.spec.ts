/**
 * The secrets the shipped configurations carry (issue #12): the change-me placeholders of
 * .env.example and k8s/secret.yaml stop a node at start with how to make a real secret,
 * docker-compose.yml has no default for them (compose stops before starting anything), and the
 * two first-use paths make real ones: scripts/init-env.sh (the compose quick start) and
 * install.sh, each writing 0600 and never overwriting an existing file.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { PROJECT_ROOT, runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';

const root = (...p: string[]) => path.join(PROJECT_ROOT, ...p);
const SECRET_VARS = ['P2P_CLUSTER_SECRET', 'P2P_API_TOKEN', 'P2P_S3_KEYS'];
const RANDOM_HEX = /^[0-9a-f]{64}$/;

/** KEY=value lines of an env file. */
function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The secret variables each shipped configuration sets when the user changes nothing. */
function shippedSecrets(): Record<string, Record<string, string>> {
  const k8sSecret = parseAllDocuments(fs.readFileSync(root('k8s', 'secret.yaml'), 'utf8')).map((d) => d.toJS())[0].stringData;
  const pick = (env: Record<string, string>) => Object.fromEntries(SECRET_VARS.filter((k) => env[k]).map((k) => [k, env[k]]));
  return { '.env.example': pick(readEnvFile(root('.env.example'))), 'k8s/secret.yaml': pick(k8sSecret) };
}

const harness = new NodeHarness();

describe('shipped placeholder secrets', () => {
  after(() => harness.stopAll());

  for (const [file, secrets] of Object.entries(shippedSecrets())) {
    it(`${file}: a node given its secrets unchanged refuses to start, saying how to make real ones`, async () => {
      assert.ok(secrets.P2P_CLUSTER_SECRET && secrets.P2P_API_TOKEN, `${file} sets a secret and a token: ${JSON.stringify(secrets)}`);
      const db = path.join(harness.dir('placeholder'), 'p2p.db');
      const r = await runCli(['serve', '--listen', '127.0.0.1:0', '--db', db, '--gossip-profile', 'local'], { env: secrets, timeoutMs: 20_000 });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /placeholder/);
      assert.match(lines[0], /openssl rand -hex 32/);
      assert.match(lines[0], /scripts\/init-env\.sh/);
      for (const value of Object.values(secrets)) assert.ok(!lines[0].includes(value), 'the message does not repeat the value');
    });
  }

  it('a placeholder in --api-token-file is refused too', async () => {
    const dir = harness.dir('placeholder-file');
    fs.writeFileSync(path.join(dir, 'tokens'), 'change-me-api-token\n');
    const r = await runCli(['serve', '--listen', '127.0.0.1:0', '--db', path.join(dir, 'p2p.db'), '--api-token-file', path.join(dir, 'tokens')], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--api-token-file still holds a placeholder/);
  });
});

describe('docker-compose.yml without .env', () => {
  const REQUIRED = ['P2P_CLUSTER_SECRET', 'P2P_API_TOKEN'];
  const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  /** `docker-compose config` of a copy of the shipped file, in a folder with no .env. */
  const config = (env: Record<string, string>) => {
    const dir = harness.dir('compose');
    fs.copyFileSync(root('docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !REQUIRED.includes(k))) as Record<string, string>;
    return spawnSync('docker-compose', ['config', '--quiet'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...clean, ...env } });
  };
  after(() => harness.stopAll());

  it('has no default for the secret and token: each is required, saying to run scripts/init-env.sh', () => {
    const compose = parse(fs.readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true });
    for (const node of ['node1', 'node2', 'node3']) {
      const env = compose.services[node].environment as Record<string, string>;
      for (const k of REQUIRED) assert.match(String(env[k]), new RegExp(`^\\$\\{${k}:\\?run scripts/init-env\\.sh first[^}]*\\}$`), `${node} ${k}`);
    }
  });

  it('docker-compose stops before starting anything, with one line, until both are set', { skip: !hasCompose && 'docker-compose is not installed' }, () => {
    const missing = config({ P2P_CLUSTER_SECRET: 'a'.repeat(64) });
    assert.equal(missing.status, 1, missing.stdout + missing.stderr);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.match(missing.stderr, /run scripts\/init-env\.sh first/);
    assert.equal(config({}).status, 1);
    const set = config({ P2P_CLUSTER_SECRET: 'a'.repeat(64), P2P_API_TOKEN: 'b'.repeat(64) });
    assert.equal(set.status, 0, set.stderr);
  });
});

describe('scripts/init-env.sh (the compose quick start)', () => {
  after(() => harness.stopAll());

  it('writes .env from .env.example with new random secrets, 0600, that a node accepts', async () => {
    const out = path.join(harness.dir('init-env'), '.env');
    const r = spawnSync('bash', [root('scripts', 'init-env.sh'), root('.env.example'), out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    const env = readEnvFile(out);
    assert.doesNotMatch(fs.readFileSync(out, 'utf8'), /=change-?me/i);
    for (const k of ['P2P_CLUSTER_SECRET', 'P2P_API_TOKEN', 'GRAFANA_ADMIN_PASSWORD']) assert.match(env[k], RANDOM_HEX, k);
    assert.notEqual(env.P2P_CLUSTER_SECRET, env.P2P_API_TOKEN);
    assert.equal(env.P2P_S3_KEYS, '', 'S3 stays off until keys are made');
    const node = await harness.start({ env: { P2P_CLUSTER_SECRET: env.P2P_CLUSTER_SECRET, P2P_API_TOKEN: env.P2P_API_TOKEN } });
    const api = await fetch(`http://${node.http}/v1/files`, { headers: { Authorization: `Bearer ${env.P2P_API_TOKEN}` } });
    assert.equal(api.status, 200);
  });

  it('never overwrites an existing file, and makes different secrets each time', () => {
    const dir = harness.dir('init-env-twice');
    const first = path.join(dir, 'a.env');
    const second = path.join(dir, 'b.env');
    for (const out of [first, second]) assert.equal(spawnSync('bash', [root('scripts', 'init-env.sh'), root('.env.example'), out]).status, 0);
    const before = fs.readFileSync(first, 'utf8');
    const again = spawnSync('bash', [root('scripts', 'init-env.sh'), root('.env.example'), first], { encoding: 'utf8' });
    assert.equal(again.status, 0);
    assert.match(again.stdout, /keeping existing/);
    assert.equal(fs.readFileSync(first, 'utf8'), before);
    assert.notEqual(readEnvFile(first).P2P_CLUSTER_SECRET, readEnvFile(second).P2P_CLUSTER_SECRET);
  });
});

describe('install.sh env file', () => {
  after(() => harness.stopAll());

  it('holds a new random cluster secret and API token, 0600, and is kept on a second install', () => {
    const stage = harness.dir('install-stage');
    const install = () => spawnSync('bash', [root('install.sh')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DESTDIR: stage, REBUILD: '0', P2P_USER: 'tester' } });
    const r = install();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const file = path.join(stage, 'etc', 'p2p-storage', 'tester.env');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const env = readEnvFile(file);
    assert.match(env.P2P_CLUSTER_SECRET, RANDOM_HEX);
    assert.match(env.P2P_API_TOKEN, RANDOM_HEX);
    assert.notEqual(env.P2P_CLUSTER_SECRET, env.P2P_API_TOKEN);
    const before = fs.readFileSync(file, 'utf8');
    const again = install();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /keeping existing \S+tester\.env/);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });
});
