/** The `node` flags of bin/p2p (scripts/node-flags.js), read once: tests must start nodes with them. */
import * as path from 'node:path';
import { PROJECT_ROOT } from './cli-runner';

const { binNodeFlags: parse } = require(path.join(PROJECT_ROOT, 'scripts', 'node-flags.js')) as { binNodeFlags(root: string): string[] };
const FLAGS = parse(PROJECT_ROOT);

export function binNodeFlags(): string[] {
  return [...FLAGS];
}
