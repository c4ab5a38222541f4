/**
 * A 3-node cluster with the S3 endpoint on, for the S3 tests: one access key, every node
 * told it, the members meshed. `env` is what a real client needs to find and sign with it
 * (and nothing from the user's own configuration: every client is pointed at 127.0.0.1).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { NodeHarness, StartOptions, TestNode, waitForMesh } from './node-harness';

export const S3_KEY_ID = 'P2PTESTKEY0000000001';
export const S3_SECRET = 'test-secret-0123456789abcdef';

export interface S3Cluster {
  harness: NodeHarness;
  nodes: TestNode[];
  /** A scratch folder removed with the cluster. */
  dir: string;
  env: NodeJS.ProcessEnv;
}

export async function startS3Cluster(name: string, n = 3, options: Omit<StartOptions, 'bootstrap' | 'name'> = {}): Promise<S3Cluster> {
  const harness = new NodeHarness();
  const dir = harness.dir(name);
  const nodes = await harness.chain(n, { ...options, args: ['--s3-keys', `${S3_KEY_ID}:${S3_SECRET}`, ...(options.args ?? [])] });
  await waitForMesh(nodes);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: S3_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3_SECRET,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    NO_PROXY: '*',
  };
  return { harness, nodes, dir, env };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client program; never throws on a non-zero exit (the test asserts on it). */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv, options: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Every file under `root` with its content, by relative path (to compare trees). */
export function readTree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(root, full), fs.readFileSync(full));
    }
  };
  walk(root);
  return out;
}

/** A folder of `files` files as a backup sees them: mostly small, a few of 2 MiB, some repeated content. */
export function makeBackupTree(root: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `dir${i % 10}`, `sub${i % 3}`);
    fs.mkdirSync(dir, { recursive: true });
    const size = i % 50 === 0 ? 2 * 1024 * 1024 + i : 200 + ((i * 7919) % 20_000);
    fs.writeFileSync(path.join(dir, `f ${i}.bin`), i % 17 === 0 ? Buffer.alloc(size, i % 256) : crypto.randomBytes(size));
  }
}
