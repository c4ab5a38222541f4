/**
 * Turns membership events into anti-entropy rounds, so that repair and rebalancing start when
 * the membership changes rather than at the next periodic round (5 s in lan):
 * - joined, recovered: a round with that member at once (placement now gives it its share);
 * - left: a round at once (its keys are placed on other members now);
 * - dead: a round once --repair-grace has passed, when the member stops counting for
 *   placement (a member that comes back before then cancels it);
 * - alive, suspect, updated: nothing (placement for repair does not change).
 * A node that holds no file and no tombstone has nothing to repair and ignores them, so
 * empty nodes forming a cluster cost each other no rounds.
 */
import type { MembershipChange } from '../gossip/membership.types';

/** How much after the grace a dead member's round runs, so the member is past it for sure. */
const AFTER_GRACE_MS = 100;

export class RepairTrigger {
  /** Rounds waiting for a dead member's grace to pass, by member. */
  private readonly afterGrace = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly graceMs: number,
    private readonly holdsData: () => Promise<boolean>,
    /** Runs a round, with `peer` when given. */
    private readonly run: (peer?: string) => void,
  ) {}

  onChange(change: MembershipChange): void {
    const id = change.member.nodeId;
    switch (change.type) {
      case 'joined':
      case 'recovered':
        this.cancel(id);
        this.whenHoldingData(id);
        break;
      case 'left':
        this.cancel(id);
        this.whenHoldingData();
        break;
      case 'dead':
        this.cancel(id);
        this.afterGrace.set(
          id,
          setTimeout(() => {
            this.afterGrace.delete(id);
            this.whenHoldingData();
          }, this.graceMs + AFTER_GRACE_MS).unref(),
        );
        break;
      default:
        break;
    }
  }

  stop(): void {
    for (const id of [...this.afterGrace.keys()]) this.cancel(id);
  }

  private cancel(id: string): void {
    clearTimeout(this.afterGrace.get(id));
    this.afterGrace.delete(id);
  }

  private whenHoldingData(peer?: string): void {
    // A database error here shows up again, logged, in the next periodic round.
    void this.holdsData().then(
      (holds) => holds && this.run(peer),
      () => undefined,
    );
  }
}
