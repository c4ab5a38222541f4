/**
 * Failures of a node's start that belong to no module of their own: its listeners. A port in
 * use is the one start-up failure a new user meets most (two nodes on one port, a second
 * `npm run cluster`), so it names the flag to change rather than only the address.
 */
import { ExitCode, P2pError } from '../common/errors';

/** Why binding failed, for the errno codes a listen can meet; undefined for anything else. */
function listenProblem(err: unknown): string | undefined {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return 'address already in use (another process has this port: choose another)';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges: choose a higher one)';
    case 'EADDRNOTAVAIL':
      return 'address not available (no interface of this host has it)';
    default:
      return undefined;
  }
}

/** A listener (`--listen`, `--http`, `--s3`) could not bind its address. */
export class ListenError extends P2pError {
  constructor(flag: string, address: string, problem: string) {
    super(`--${flag} ${address}: ${problem}`, 'LISTEN_FAILED', ExitCode.failure);
  }
}

/** Runs `bind`; a failure to bind becomes a ListenError naming `flag` and `address`. */
export async function bindingAs<T>(flag: string, address: string, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    const problem = listenProblem(err);
    throw problem ? new ListenError(flag, address, problem) : err;
  }
}
