/**
 * The `node` flags bin/p2p runs the CLI with, read from its exec line. Tests and benchmarks that
 * start node processes themselves must use the same ones: V8 rejects the code cache made by
 * `npm run build` (scripts/code-cache.js, which reads the same line) under other flags.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './cli-runner';

export function binNodeFlags(): string[] {
  const script = fs.readFileSync(path.join(PROJECT_ROOT, 'bin', 'p2p'), 'utf8');
  const line = /^exec node (.*?) "\$here/m.exec(script);
  if (!line) throw new Error('bin/p2p has no "exec node <flags> \\"$here..." line');
  return line[1].split(/\s+/).filter(Boolean);
}
