/**
 * How bin/p2p starts node (scripts/node-flags.js), read once: its `node` flags, and the
 * environment variables it unsets. Tests that start nodes themselves must do the same.
 */
import * as path from 'node:path';
import { PROJECT_ROOT } from './cli-runner';

const launcher = require(path.join(PROJECT_ROOT, 'scripts', 'node-flags.js')) as {
  binNodeFlags(root: string): string[];
  binUnsetEnv(root: string): string[];
};
const FLAGS = launcher.binNodeFlags(PROJECT_ROOT);
const UNSET = launcher.binUnsetEnv(PROJECT_ROOT);

export function binNodeFlags(): string[] {
  return [...FLAGS];
}

/** `env` without the variables bin/p2p unsets. */
export function binEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of UNSET) delete copy[name];
  return copy;
}
