/**
 * P2P_STARTUP_TRACE=1 prints, on stderr, how many milliseconds after the process started each
 * start-up step finished: the way to see where a slow start goes (docs/design.md, start-up).
 */
import { performance } from 'node:perf_hooks';

const enabled = process.env.P2P_STARTUP_TRACE === '1';

export function startupMark(step: string): void {
  if (enabled) process.stderr.write(`startup ${performance.now().toFixed(0).padStart(5)} ms  ${step}\n`);
}
