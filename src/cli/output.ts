/**
 * The only place that prints for humans: tables, JSON, and the one-line error with its exit code.
 */
import { describeError, ExitCode, P2pError } from '../common/errors';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns padded to fit, with the seed's rule line under the header. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)) + 4);
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('').trimEnd();
  const out = [line(headers), '-'.repeat(Math.max(70, widths.reduce((a, b) => a + b, 0)))];
  for (const r of rows) out.push(line(r));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** "2025-12-07 21:20:45" in local time, as the seed printed it. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function exitWithError(err: unknown): never {
  const code = err instanceof P2pError ? err.exitCode : ExitCode.failure;
  process.stderr.write(`error: ${describeError(err)}\n`);
  process.exit(code);
}

/** Commander already printed its own message (unknown option, missing argument); map the exit code. */
export function handleCommanderError(err: Error & { exitCode?: number; code?: string }): never {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
    process.exit(0);
  }
  process.exit(err.exitCode === 0 ? 0 : ExitCode.usage);
}
