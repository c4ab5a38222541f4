/** Failures only the CLI raises (a bad output path, an interrupted download to a file). */
import * as path from 'node:path';
import { describeError, ExitCode, ExitCodeValue, P2pError } from '../common/errors';
import { errnoReason } from '../peer-repository/db-path';

/** --out names something get cannot write to. */
export class OutputPathError extends P2pError {
  constructor(out: string, problem: string) {
    super(`--out "${out}"${problem}`, 'OUTPUT_PATH', ExitCode.usage);
  }
}

/**
 * A download to a file stopped part-way (the node went away, a deadline passed): the cause, and
 * how to finish it, since the verified part stays on disk. The exit code is the cause's.
 */
export class DownloadInterruptedError extends P2pError {
  constructor(cause: unknown, partial: string) {
    const exitCode: ExitCodeValue = cause instanceof P2pError ? cause.exitCode : ExitCode.failure;
    super(
      `${describeError(cause)}; the part downloaded so far is kept in "${partial}": run the same get with --resume to finish it (through another node: --bootstrap host:port)`,
      'DOWNLOAD_INTERRUPTED',
      exitCode,
    );
  }
}

/** The name `cp` would give a file copied into `dir`: the key's last path segment. */
export function suggestedOutName(dir: string, key: string): string {
  return path.join(dir, path.basename(key) || 'file');
}

/** The address answered, but not as a p2p node: a node's HTTP port, or another service. */
export class NotANodeError extends P2pError {
  constructor(address: string, what: 'answers HTTP' | 'does not speak') {
    super(
      what === 'answers HTTP'
        ? `${address} answers HTTP, not the p2p protocol: give the node's p2p port (its --listen; the HTTP port is that plus 10000 by default)`
        : `${address} does not speak the p2p protocol: is it a p2p node's --listen address?`,
      'NOT_A_NODE',
      ExitCode.unavailable,
    );
  }
}

/** `get` without --out on a terminal, for a file that is not text (curl refuses the same). */
export class BinaryToTerminalError extends P2pError {
  constructor(key: string) {
    super(`"${key}" looks like binary data; not writing it to a terminal: use --out FILE, or --out - to write it here anyway`, 'BINARY_TO_TERMINAL', ExitCode.usage);
  }
}

/** Standard output could not be written (a full disk, a closed descriptor). */
export class OutputWriteError extends P2pError {
  constructor(cause: unknown) {
    super(`cannot write to standard output: ${errnoReason(cause)}`, 'OUTPUT_WRITE', ExitCode.failure);
  }
}
