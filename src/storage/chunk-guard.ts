/**
 * Keeps garbage collection from taking a chunk that a store is about to commit.
 *
 * A chunk written for a store (or a copy by anti-entropy) is *pinned* from its put until a
 * manifest naming it commits here, or until PIN_LEASE_MS passed (an upload that was abandoned):
 * a delete or an overwrite that frees the same bytes meanwhile leaves it alone. A put of a
 * chunk that is already on disk pins it just the same, which is what makes a store reusing the
 * bytes of a file being deleted safe.
 *
 * Collection *claims* a chunk before it looks at the chunk table and deletes the file; a pin
 * and a claim are each taken synchronously, so one of them always sees the other: a pinned
 * chunk is never claimed, and a put or commit that finds a claim waits for it to end (then the
 * chunk is written again, or the commit sees it missing and fails: it never acknowledges a
 * manifest whose chunk is being deleted).
 */
import { ORPHAN_AGE_MS } from './sync-timings';

/** How long a put pins its chunk when no commit follows (as long as an unreferenced chunk is kept). */
export const PIN_LEASE_MS = ORPHAN_AGE_MS;

export class ChunkGuard {
  private readonly pins = new Map<string, { count: number; until: number }>();
  private readonly claims = new Map<string, Promise<void>>();
  private puts = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Pins each hash once more (a put, or a commit for its duration). */
  pin(hashes: Iterable<string>): void {
    const until = this.now() + PIN_LEASE_MS;
    for (const hash of hashes) {
      const pin = this.pins.get(hash);
      if (pin) {
        pin.count += 1;
        pin.until = until;
      } else {
        this.pins.set(hash, { count: 1, until });
      }
    }
    if (++this.puts % 4096 === 0) this.dropExpired();
  }

  /** Takes one pin off each hash. */
  unpin(hashes: Iterable<string>): void {
    for (const hash of hashes) {
      const pin = this.pins.get(hash);
      if (pin && --pin.count <= 0) this.pins.delete(hash);
    }
  }

  isPinned(hash: string): boolean {
    const pin = this.pins.get(hash);
    return pin !== undefined && pin.until > this.now();
  }

  /** Resolves once no collection is deleting any of these hashes. */
  async settled(hashes: Iterable<string>): Promise<void> {
    for (const hash of hashes) {
      const claim = this.claims.get(hash);
      if (claim) await claim;
    }
  }

  /**
   * Runs `collect` (look the chunk up, delete it) unless the chunk is pinned or already being
   * collected; false when it did not run.
   */
  async collect(hash: string, collect: () => Promise<void>): Promise<boolean> {
    if (this.isPinned(hash) || this.claims.has(hash)) return false;
    const run = Promise.resolve().then(collect);
    const claim = run.then(() => undefined, () => undefined).finally(() => this.claims.delete(hash));
    this.claims.set(hash, claim);
    await run;
    return true;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [hash, pin] of this.pins) if (pin.until <= now) this.pins.delete(hash);
  }
}
