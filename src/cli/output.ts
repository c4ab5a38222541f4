/**
 * The only place that prints for humans: tables, JSON, and the one-line error with its exit code.
 */
import type { Command } from 'commander';
import { describeError, ExitCode, InvalidInputError, P2pError } from '../common/errors';
import { OutputWriteError } from './cli.errors';

/** 128 + SIGPIPE (13): the status a shell reports for a process killed by SIGPIPE. */
const EXIT_SIGPIPE = 141;

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

/**
 * Standard output failed. A reader that went away (`p2p get k | head`) ends the command quietly
 * with 141, as a process killed by SIGPIPE (git's behaviour; Node ignores the signal itself);
 * anything else (a full disk) is the one-line error.
 */
export function failStdout(err: unknown): never {
  if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') process.exit(EXIT_SIGPIPE);
  return exitWithError(new OutputWriteError(err));
}

/** Routes every later failure of standard output through failStdout (instead of an unhandled 'error' event). */
export function guardStdout(): void {
  process.stdout.on('error', failStdout);
}

export function exitWithError(err: unknown): never {
  const code = err instanceof P2pError ? err.exitCode : ExitCode.failure;
  process.stderr.write(`error: ${describeError(err)}\n`);
  process.exit(code);
}

/**
 * Commander already printed its own message (unknown option, missing argument, usage of a
 * command given without its subcommand); map the exit code: asked-for help and --version are
 * 0, everything else is a usage error.
 */
export function handleCommanderError(err: Error & { exitCode?: number; code?: string }): never {
  process.exit(err.exitCode === 0 ? 0 : ExitCode.usage);
}

/** `files lsit`: the error names the whole command line and the nearest subcommand. */
export function unknownSubcommand(parent: Command, word: string): InvalidInputError {
  const names = parent.commands.map((c) => c.name());
  const similar = names.find((n) => editDistance(n, word) <= 2);
  const full = `${parent.name()} ${word}`;
  const hint = similar ? `did you mean "${parent.name()} ${similar}"?` : `expected one of: ${names.join(', ')}`;
  return new InvalidInputError(`unknown command "${full}"; ${hint} (see p2p ${parent.name()} --help)`);
}

/**
 * Optimal string alignment distance (a swap of two neighbours counts one): "lsit" is 1 from
 * "list". Commander has the same for top-level commands but does not export it.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
