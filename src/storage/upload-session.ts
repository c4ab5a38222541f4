/**
 * A store in progress on its coordinator: which holders are still in, what has been received,
 * the running content hash. Chunks must arrive in order; each is checked against its hash
 * before anything is forwarded. Nothing is visible to readers until commit.
 */
import { randomBytes } from 'node:crypto';
import { FileHasher } from './chunker';

export class UploadSession {
  readonly id = randomBytes(12).toString('hex');
  readonly hasher = new FileHasher();
  readonly chunkHashes: string[] = [];
  /** Holders that have every chunk so far; a holder that fails once is out of this store. */
  readonly live: Set<string>;
  readonly startedAt = Date.now();
  lastActivity = Date.now();
  /** Serialises chunk handling so a client that pipelines still sees order kept. */
  tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly version: string,
    readonly holders: string[],
    readonly writeQuorum: number,
    readonly chunkSize: number,
  ) {
    this.live = new Set(holders);
  }

  get nextIndex(): number {
    return this.chunkHashes.length;
  }
}
