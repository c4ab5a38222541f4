/**
 * Every failure the project raises on purpose is a P2pError: a stable `code`
 * that travels over the wire and into logs, and the exit code the CLI uses.
 * Modules define their own subclasses in `<module>.errors.ts`.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  unavailable: 4,
  quorum: 5,
  integrity: 6,
  refused: 7,
  conflict: 8,
  diskFull: 9,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class P2pError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad flag, argument or environment value. */
export class InvalidInputError extends P2pError {
  constructor(message: string) {
    super(message, 'INVALID_INPUT', ExitCode.usage);
  }
}

/** Turns anything thrown into a one-line message for logs and stderr. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const sys = err as NodeJS.ErrnoException;
    // One line, always: OpenSSL's messages end in a newline, and a log line must stay a line.
    const first = err.message.split('\n')[0];
    if (sys.code && !(err instanceof P2pError) && !err.message.includes(sys.code)) {
      return `${first} (${sys.code})`;
    }
    return first;
  }
  return String(err);
}
