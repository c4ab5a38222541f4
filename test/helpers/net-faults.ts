/**
 * Real network faults between live node processes on loopback: partitions and packet loss.
 *
 * Every node runs as its own Unix user (p2ptest0, p2ptest1, ...; created when missing), so
 * iptables can tell their packets apart by owner uid. A packet from node X to node Y is one
 * of two kinds:
 *   - on a connection X opened: X's uid as owner, Y's port as destination;
 *   - on a connection Y opened (a reply): X's uid as owner, an ephemeral port of Y as
 *     destination. The port says nothing, so each connection is connmarked with the uid of
 *     the node that opened it (mangle OUTPUT, ctstate NEW) and replies are matched by mark.
 * Rules live in one chain per test process, `P2PFAULT-<pid>`, in the mangle and filter
 * tables, jumped to from OUTPUT; `remove()` takes both away (an `after` hook, and an exit
 * handler as a fallback). A run that crashed leaves its chains behind: `start()` first
 * removes every P2PFAULT- chain whose process is gone. Users are claimed with lock files so
 * that test processes running at the same time never share one (their rules would cross).
 * Clients the test itself runs (as root) are matched by nothing: they reach both sides.
 *
 * Needs root and iptables with the owner, conntrack, connmark, multiport and statistic
 * matches. `netFaultsUnavailable()` says why not; tests skip loudly, or fail when
 * P2P_REQUIRE_NET_FAULTS=1 (CI sets it).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CHAIN_PREFIX = 'P2PFAULT-';
const USER_PREFIX = 'p2ptest';
const MAX_USERS = 64;
const LOCK_DIR = path.join(os.tmpdir(), 'p2p-net-faults');
const TABLES = ['mangle', 'filter'] as const;

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

/** What a rule needs to know about a node: its user and the ports it listens on. */
export interface FaultTarget {
  name: string;
  uid: number;
  ports: number[];
}

function iptables(table: string, args: string[]): string {
  return execFileSync('iptables', ['-w', '5', '-t', table, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why network faults cannot be injected here, or undefined when they can. */
export function netFaultsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network faults need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network faults need root (iptables rules and one Unix user per node)';
  try {
    iptables('filter', ['-S', 'OUTPUT']);
  } catch (err) {
    return `iptables does not work here: ${(err as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

/**
 * `it`/`describe` options for a test that needs network faults: a skip with the reason, printed
 * loudly, where they are unavailable; under P2P_REQUIRE_NET_FAULTS=1 the test runs and fails.
 */
export function requireNetFaults(): { skip?: string } {
  const reason = netFaultsUnavailable();
  if (!reason) return {};
  if (process.env.P2P_REQUIRE_NET_FAULTS === '1') return {};
  process.stderr.write(`!!!!! SKIPPED: ${reason} (run as root with iptables; P2P_REQUIRE_NET_FAULTS=1 makes this a failure) !!!!!\n`);
  return { skip: reason };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lookupUser(name: string): TestUser | undefined {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

function ensureUser(name: string): TestUser {
  for (let attempt = 0; ; attempt++) {
    const found = lookupUser(name);
    if (found) return found;
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      // Another test process may hold the passwd lock or have just created the user.
      if (attempt >= 20) throw err;
      execFileSync('sleep', ['0.1']);
    }
  }
}

/** Claims a lock file for `name`; a lock left by a dead process is taken over. */
function claim(name: string): boolean {
  const file = path.join(LOCK_DIR, `${name}.lock`);
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(fs.readFileSync(file, 'utf8'));
  if (owner && pidAlive(owner)) return false;
  fs.rmSync(file, { force: true });
  return claim(name);
}

/** Removes chains of earlier runs whose process is gone (a crash skipped their cleanup). */
export function removeStaleChains(): void {
  for (const table of TABLES) {
    const chains = iptables(table, ['-S']).split('\n').map((l) => /^-N (P2PFAULT-(\d+))$/.exec(l)).filter((m): m is RegExpExecArray => !!m);
    for (const [, chain, pid] of chains) if (!pidAlive(Number(pid))) removeChain(table, chain);
  }
}

function removeChain(table: string, chain: string): void {
  const run = (args: string[]) => {
    try {
      iptables(table, args);
      return true;
    } catch {
      return false;
    }
  };
  while (run(['-D', 'OUTPUT', '-j', chain]));
  run(['-F', chain]);
  run(['-X', chain]);
}

export class NetFaults {
  readonly chain = `${CHAIN_PREFIX}${process.pid}`;
  private readonly claimed: TestUser[] = [];
  private readonly targets = new Map<string, FaultTarget>();
  private installed = false;
  private readonly onExit = () => this.remove();

  /** Cleans up after crashed runs and creates this run's (empty) chains. */
  start(): void {
    removeStaleChains();
    for (const table of TABLES) {
      removeChain(table, this.chain);
      iptables(table, ['-N', this.chain]);
      iptables(table, ['-I', 'OUTPUT', '1', '-j', this.chain]);
    }
    this.installed = true;
    process.once('exit', this.onExit);
  }

  /**
   * A Unix user no other running test process holds, created if missing; from now on every
   * connection its processes open is marked with its uid (so start nodes as it afterwards).
   */
  user(): TestUser {
    if (!this.installed) throw new Error('NetFaults.start() first');
    fs.mkdirSync(LOCK_DIR, { recursive: true });
    for (let i = 0; i < MAX_USERS; i++) {
      const name = `${USER_PREFIX}${i}`;
      if (this.claimed.some((u) => u.name === name) || !claim(name)) continue;
      const user = ensureUser(name);
      this.claimed.push(user);
      iptables('mangle', ['-A', this.chain, '-m', 'conntrack', '--ctstate', 'NEW', '-m', 'owner', '--uid-owner', String(user.uid), '-j', 'CONNMARK', '--set-mark', String(user.uid)]);
      return user;
    }
    throw new Error(`all ${MAX_USERS} test users are claimed by running processes`);
  }

  /** Names a node for partition() and loss(): its user and ports. Again after it moved ports. */
  register(target: FaultTarget): void {
    this.targets.set(target.name, target);
  }

  /** No packet between a member of `a` and a member of `b`, either way. */
  partition(a: string[], b: string[]): void {
    this.dropBetween(a, b, []);
  }

  /** Each packet between a member of `a` and a member of `b` is dropped with `probability`. */
  loss(a: string[], b: string[], probability: number): void {
    this.dropBetween(a, b, ['-m', 'statistic', '--mode', 'random', '--probability', String(probability)]);
  }

  /** Every partition and loss rule gone (connection marking stays). */
  heal(): void {
    if (this.installed) iptables('filter', ['-F', this.chain]);
  }

  /** Packets dropped so far by this run's rules (shows a fault really bit). */
  droppedPackets(): number {
    return iptables('filter', ['-L', this.chain, '-v', '-n', '-x'])
      .split('\n')
      .filter((l) => /\bDROP\b/.test(l))
      .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0);
  }

  /** Takes both chains away and frees the users. Safe to call twice. */
  remove(): void {
    if (this.installed) for (const table of TABLES) removeChain(table, this.chain);
    this.installed = false;
    process.removeListener('exit', this.onExit);
    for (const u of this.claimed.splice(0)) fs.rmSync(path.join(LOCK_DIR, `${u.name}.lock`), { force: true });
    this.targets.clear();
  }

  private dropBetween(a: string[], b: string[], extra: string[]): void {
    const pairs = [...a.flatMap((x) => b.map((y) => [x, y])), ...b.flatMap((x) => a.map((y) => [x, y]))];
    for (const [fromName, toName] of pairs) {
      const from = this.target(fromName);
      const to = this.target(toName);
      const owner = ['-m', 'owner', '--uid-owner', String(from.uid)];
      // To the other node's listening ports (connections `from` opens)...
      iptables('filter', ['-A', this.chain, ...owner, '-p', 'tcp', '-m', 'multiport', '--dports', to.ports.join(','), ...extra, '-j', 'DROP']);
      // ...and replies on connections the other node opened.
      iptables('filter', ['-A', this.chain, ...owner, '-m', 'connmark', '--mark', String(to.uid), ...extra, '-j', 'DROP']);
    }
  }

  private target(name: string): FaultTarget {
    const t = this.targets.get(name);
    if (!t) throw new Error(`node ${name} is not registered with NetFaults`);
    return t;
  }
}
