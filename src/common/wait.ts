/** Deadline helpers: every wait in the project is bounded. */
import { P2pError, ExitCode } from './errors';

export class DeadlineExceededError extends P2pError {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not finish within ${timeoutMs} ms`, 'DEADLINE_EXCEEDED', ExitCode.unavailable);
  }
}

/** Resolves or rejects with `promise`, or rejects with DeadlineExceededError after `timeoutMs`. */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, timeoutMs)), timeoutMs);
    timer.unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A promise that resolves after `ms`, used for backoff between retries (never in tests). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
