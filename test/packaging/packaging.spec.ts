/**
 * Checks of the shipped deployment files: Prometheus config and rules (promtool), the
 * Kubernetes manifests (the offline validator beside the project, when present), the systemd
 * unit (systemd-analyze), and cross-checks no schema holds: selectors, the headless Service,
 * metric names used by alerts and the dashboard, and the compose file's shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../helpers/cli-runner';
import { binNodeFlags } from '../helpers/node-flags';

const root = (...p: string[]) => path.join(PROJECT_ROOT, ...p);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const run = (cmd: string, args: string[], cwd = PROJECT_ROOT) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });

/** The metric names MetricsService defines (read from its source, the one place they live). */
function definedMetrics(): Set<string> {
  const src = fs.readFileSync(root('src', 'metrics', 'metrics.service.ts'), 'utf8');
  return new Set([...src.matchAll(/name: '(p2p_[a-z0-9_]+)'/g)].map((m) => m[1]));
}

/** p2p_* names an expression refers to, with histogram suffixes folded to the base name. */
function usedMetrics(expr: string): string[] {
  return [...expr.matchAll(/\b(p2p_[a-z0-9_]+)/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''));
}

function k8sObjects(): Array<Record<string, any>> {
  return fs
    .readdirSync(root('k8s'))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(fs.readFileSync(root('k8s', f), 'utf8')).map((d) => d.toJS()));
}

describe('monitoring files', () => {
  it('promtool accepts the Prometheus config and the alert rules', (t) => {
    if (!has('promtool')) return t.skip('promtool is not installed (Debian package prometheus; scripts/ci-packaging.sh installs it)');
    const config = run('promtool', ['check', 'config', 'monitoring/prometheus/prometheus.yml']);
    assert.equal(config.status, 0, config.stdout + config.stderr);
    const rules = run('promtool', ['check', 'rules', 'monitoring/prometheus/alerts.yml']);
    assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  });

  it('alerts and dashboard use only metrics the node defines, and cover the required alerts', () => {
    const defined = definedMetrics();
    assert.ok(defined.size >= 20, `found ${defined.size} metric definitions`);
    const rules = parse(fs.readFileSync(root('monitoring', 'prometheus', 'alerts.yml'), 'utf8')).groups.flatMap((g: any) => g.rules);
    for (const r of rules) for (const m of usedMetrics(r.expr)) assert.ok(defined.has(m), `alert ${r.alert} uses unknown metric ${m}`);
    const names = rules.map((r: any) => r.alert).join(' ');
    for (const needed of ['NodeDown', 'UnderReplicated', 'RepairStalled', 'PeerFlapping', 'DiskNearlyFull']) assert.match(names, new RegExp(needed));
    for (const r of rules) assert.ok(r.annotations?.summary && r.annotations?.description, `${r.alert} says what it means and what to do`);
    const dashboard = JSON.parse(fs.readFileSync(root('monitoring', 'grafana', 'dashboards', 'p2p-storage.json'), 'utf8'));
    const exprs = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    assert.ok(exprs.length >= 15);
    for (const e of exprs) for (const m of usedMetrics(e)) assert.ok(defined.has(m), `dashboard uses unknown metric ${m}`);
  });

  it('the PrometheusRule carries the same alerts as the compose setup', () => {
    const compose = parse(fs.readFileSync(root('monitoring', 'prometheus', 'alerts.yml'), 'utf8'));
    const rule = k8sObjects().find((o) => o.kind === 'PrometheusRule')!;
    assert.deepEqual(rule.spec, compose);
  });
});

describe('Kubernetes manifests', () => {
  it('pass the offline validator (schemas, unknown fields, kustomize render)', (t) => {
    const validator = path.resolve(PROJECT_ROOT, '..', 'shared', 'tools', 'k8s-validate.sh');
    if (!fs.existsSync(validator)) return t.skip('the k8s validator is not beside this checkout');
    const r = run('bash', [validator, 'k8s/']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /0 invalid/);
  });

  it('wire together: selectors, headless Service, probes, volumes and security', () => {
    const objs = k8sObjects();
    const sts = objs.find((o) => o.kind === 'StatefulSet')!;
    const labels = sts.spec.template.metadata.labels;
    for (const svc of objs.filter((o) => o.kind === 'Service')) {
      for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v, `${svc.metadata.name} selects the pods`);
    }
    const peers = objs.find((o) => o.kind === 'Service' && o.metadata.name === sts.spec.serviceName)!;
    assert.equal(peers.spec.clusterIP, 'None', 'serviceName names a headless Service');
    assert.equal(sts.spec.podManagementPolicy, 'Parallel');
    assert.equal(sts.spec.volumeClaimTemplates[0].metadata.name, 'data');
    const c = sts.spec.template.spec.containers[0];
    assert.ok(c.volumeMounts.some((m: any) => m.name === 'data' && m.mountPath === '/data'));
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.ok(c[probe], probe);
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(sts.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.ok(c.lifecycle.preStop);
    const config = objs.find((o) => o.kind === 'ConfigMap')!;
    assert.equal(config.data.P2P_DB.startsWith('/data/'), true, 'database on the volume');
    assert.match(config.data.P2P_BOOTSTRAP, new RegExp(`${sts.metadata.name}-0\\.${peers.metadata.name}:3000`));
    const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget')!;
    assert.deepEqual(pdb.spec.selector.matchLabels, sts.spec.selector.matchLabels);
    const monitor = objs.find((o) => o.kind === 'ServiceMonitor')!;
    const api = objs.find((o) => o.kind === 'Service' && o.spec.clusterIP !== 'None')!;
    assert.ok(api.spec.ports.some((p: any) => p.name === monitor.spec.endpoints[0].port), 'ServiceMonitor scrapes a named API port');
  });
});

describe('systemd unit and installer', () => {
  it('systemd-analyze verify accepts the template unit', (t) => {
    if (!has('systemd-analyze')) return t.skip('systemd-analyze is not installed');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-unit-'));
    try {
      fs.copyFileSync(root('systemd', 'p2p-storage@.service'), path.join(dir, 'p2p-storage@.service'));
      fs.symlinkSync('p2p-storage@.service', path.join(dir, 'p2p-storage@root.service'));
      const r = run('systemd-analyze', ['verify', './p2p-storage@root.service'], dir);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stderr, /Unknown key|Failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the unit is hardened and restarts on failure', () => {
    const unit = fs.readFileSync(root('systemd', 'p2p-storage@.service'), 'utf8');
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'StateDirectory=p2p-storage/%i', 'Restart=on-failure', 'User=%i']) assert.ok(unit.includes(line), line);
  });

  it('install.sh --dry-run changes nothing and says what it would do', () => {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-install-'));
    try {
      const r = spawnSync('bash', [root('install.sh'), '--dry-run'], { encoding: 'utf8', env: { ...process.env, DESTDIR: stage, REBUILD: '0', P2P_USER: 'tester' } });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /p2p-storage@\.service/);
      assert.deepEqual(fs.readdirSync(stage), []);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  });
});

describe('dependencies', () => {
  it('every locked package runs on the oldest Node the project supports (npm ci warns EBADENGINE otherwise)', () => {
    const semver = require('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } };
    const pkg = JSON.parse(fs.readFileSync(root('package.json'), 'utf8')) as { engines: { node: string } };
    const oldest = semver.minVersion(pkg.engines.node).version;
    const lock = JSON.parse(fs.readFileSync(root('package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
    const unfit = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name} wants node ${p.engines!.node}`);
    assert.deepEqual(unfit, [], `on node ${oldest}`);
  });
});

describe('docker files', () => {
  it('the image is multi-stage, non-root, with a healthcheck, a volume and exec-form entrypoint', () => {
    const df = fs.readFileSync(root('docker', 'Dockerfile'), 'utf8');
    assert.equal((df.match(/^FROM node:20-bookworm-slim AS /gm) ?? []).length, 2);
    assert.match(df, /^USER node$/m);
    assert.match(df, /^HEALTHCHECK /m);
    assert.match(df, /^VOLUME \["\/data"\]$/m);
    assert.match(df, /^ENTRYPOINT \["node", /m);
    assert.match(df, /npm (ci|prune) --omit=dev/);
  });

  it('the entrypoint and the systemd unit run node with the flags of bin/p2p (the code cache needs them)', () => {
    const flags = binNodeFlags();
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(fs.readFileSync(root('docker', 'Dockerfile'), 'utf8'))![1]) as string[];
    assert.deepEqual(entrypoint, ['node', ...flags, '/app/dist/src/launch.js']);
    const execStart = /^ExecStart=\/usr\/bin\/env node (.*) \/opt\/p2p-storage\/dist\/src\/launch\.js serve/m.exec(fs.readFileSync(root('systemd', 'p2p-storage@.service'), 'utf8'));
    assert.ok(execStart, 'ExecStart runs node on dist/src/launch.js');
    assert.deepEqual(execStart[1].split(/\s+/), flags);
  });

  it('compose publishes nothing on a port p2p uses by default (3000, 13000, npm run cluster\'s 4000 and 5000)', () => {
    const compose = parse(fs.readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true });
    const defaults = new Set([3000, 4000, 5000, 13000, 14000, 15000]);
    const published = Object.entries(compose.services as Record<string, { ports?: string[] }>).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => [name, Number(p.split(':').slice(-2)[0])] as const),
    );
    for (const [name, port] of published) assert.ok(!defaults.has(port), `${name} publishes host port ${port}`);
    assert.ok(published.some(([name]) => name === 'grafana'));
  });

  it('compose runs 3 nodes on a private network, ports on 127.0.0.1, monitoring behind a profile', () => {
    const compose = parse(fs.readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true });
    const nodes = ['node1', 'node2', 'node3'].map((n) => compose.services[n]);
    for (const n of nodes) {
      for (const p of n.ports) assert.match(p, /^127\.0\.0\.1:/);
      assert.deepEqual(n.networks, ['p2p']);
      assert.ok(n.volumes[0].endsWith(':/data'));
      assert.match(n.environment.P2P_CLUSTER_SECRET, /^\$\{P2P_CLUSTER_SECRET/);
    }
    assert.equal(nodes[1].environment.P2P_BOOTSTRAP, 'node1:3000');
    assert.equal(nodes[2].environment.P2P_BOOTSTRAP, 'node1:3000');
    assert.deepEqual(compose.services.prometheus.profiles, ['monitoring']);
    assert.deepEqual(compose.services.grafana.profiles, ['monitoring']);
  });
});
