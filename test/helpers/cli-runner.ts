/** Runs ./bin/p2p as a user would, capturing output and exit code, with a timeout. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(PROJECT_ROOT, 'bin', 'p2p');

export interface CliResult {
  code: number;
  stdout: string;
  /** stdout as bytes, for binary output (`get` without --out). */
  stdoutBytes: Buffer;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: Buffer | string;
  timeoutMs?: number;
  /** Run as this user (uid = gid), e.g. 65534 (nobody): the tests run as root, who may write anywhere. */
  uid?: number;
  /** Extra `node` flags (e.g. --cpu-prof, which NODE_OPTIONS refuses): runs what bin/p2p runs, with them. */
  nodeArgs?: string[];
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const started = Date.now();
  const user = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
  return new Promise((resolve, reject) => {
    const [command, argv, env] = options.nodeArgs ? launchWith(options.nodeArgs, args, options.env) : [BIN, args, { ...process.env, ...options.env }];
    const child = spawn(command, argv, { cwd: options.cwd ?? PROJECT_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], ...user });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`p2p ${args.join(' ')} timed out after ${options.timeoutMs ?? 60_000} ms`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolve({ code: code ?? 1, stdout: bytes.toString(), stdoutBytes: bytes, stderr: Buffer.concat(err).toString(), ms: Date.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** bin/p2p's own command line (node-flags.ts), with extra node flags before the script. */
function launchWith(nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv = {}): [string, string[], NodeJS.ProcessEnv] {
  // Required here, not at the top: node-flags.ts imports this module.
  const flags = require('./node-flags') as typeof import('./node-flags');
  const main = path.join(PROJECT_ROOT, 'dist', 'src', 'launch.js');
  return [process.execPath, [...flags.binNodeFlags(), ...nodeArgs, main, ...args], { ...flags.binEnv(process.env), ...env }];
}

/** Runs a command that must succeed and parses its --json output. */
export async function cliJson<T>(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<T> {
  const r = await runCli([...args, '--json'], options);
  if (r.code !== 0) throw new Error(`p2p ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
