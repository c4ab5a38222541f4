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

/** An event source: an EventEmitter, a stream, a response, `process`. */
export interface EventSource {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Resolves at the first of `events` and removes its listener from every one of them, so a
 * wait that ends one way leaves nothing behind on the others (a 'drain' that never comes once
 * the client left, a SIGINT after the SIGTERM that ended the wait). Listens from the call on.
 */
export function firstEvent(source: EventSource, events: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of events) source.off(event, done);
      resolve();
    };
    for (const event of events) source.on(event, done);
  });
}
