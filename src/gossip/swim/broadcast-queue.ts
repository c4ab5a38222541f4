/**
 * Pending member updates waiting to be piggybacked, at most one per member.
 *
 * SWIM spreads news infection-style: every node that learns an update passes it on a bounded
 * number of times, retransmitMult * ceil(log10(N + 1)), which reaches every member with high
 * probability. Messages have room for only a few updates, so the least-sent news goes first
 * (it has reached the fewest members), and among equally-sent news the freshest goes first.
 *
 * Newer news about a member replaces older news about the same member in place: there is no
 * point spending bandwidth on "B is suspect" once "B is alive at a higher incarnation" is known.
 * The queue is bounded; on overflow the most-sent entries are dropped, since the periodic
 * push-pull repairs whatever gossip missed.
 *
 * Implementation: one stack per transmit count (counts stay below the retransmit limit, a
 * few dozen at most). A new update goes on top of stack 0; taking pops from the lowest
 * non-empty stack, so among equally-sent updates the most recently queued or re-queued goes
 * first. Replaced entries stay in their stack, marked dead, until popped or compacted away.
 * Taking m updates costs O(m); at a thousand simulated members this is the hottest loop.
 */
import { MemberUpdate } from './member';

interface Entry {
  update: MemberUpdate;
  transmits: number;
  live: boolean;
}

export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(Math.max(n, 0) + 1));
}

export class BroadcastQueue {
  private readonly byNode = new Map<string, Entry>();
  /** stacks[t]: entries sent t times, newest on top (end of the array). */
  private stacks: Entry[][] = [[]];
  /** Dead entries still sitting in stacks. */
  private garbage = 0;

  constructor(private readonly capacity: number) {}

  /** Queues news about `update.nodeId`, replacing whatever was queued about that member. */
  enqueue(update: MemberUpdate): void {
    const old = this.byNode.get(update.nodeId);
    if (old) this.kill(old);
    const entry: Entry = { update, transmits: 0, live: true };
    this.byNode.set(update.nodeId, entry);
    this.stacks[0].push(entry);
    if (this.byNode.size > this.capacity) this.dropMostSent(this.byNode.size - Math.floor(this.capacity * 0.9));
    if (this.garbage > this.byNode.size + 64) this.compact();
  }

  /**
   * Up to `max` updates for one outgoing message, least-sent first. Each counts as one
   * transmission; an update sent `limit` times leaves the queue.
   */
  take(max: number, limit: number): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    if (this.byNode.size === 0) return out;
    const moved: Entry[] = [];
    for (let t = 0; t < this.stacks.length && out.length < max; t++) {
      const stack = this.stacks[t];
      while (out.length < max && stack.length > 0) {
        const e = stack.pop()!;
        if (!e.live) {
          this.garbage--;
          continue;
        }
        out.push(e.update);
        e.transmits++;
        if (e.transmits >= limit) {
          e.live = false;
          this.byNode.delete(e.update.nodeId);
        } else {
          moved.push(e);
        }
      }
    }
    // Re-stack in reverse so the first taken (the newest) ends on top of its new stack.
    for (let i = moved.length - 1; i >= 0; i--) this.stackFor(moved[i].transmits).push(moved[i]);
    return out;
  }

  /** The queued update about a member, if any (for tests and the shell's diagnostics). */
  pending(nodeId: string): MemberUpdate | undefined {
    return this.byNode.get(nodeId)?.update;
  }

  size(): number {
    return this.byNode.size;
  }

  private kill(e: Entry): void {
    e.live = false;
    this.garbage++;
    this.byNode.delete(e.update.nodeId);
  }

  /** Overflow: the most-sent entries have done most of their work already; oldest of those first. */
  private dropMostSent(count: number): void {
    for (let t = this.stacks.length - 1; t >= 0 && count > 0; t--) {
      for (const e of this.stacks[t]) {
        if (count === 0) break;
        if (!e.live) continue;
        this.kill(e);
        count--;
      }
    }
    this.compact();
  }

  private compact(): void {
    this.stacks = this.stacks.map((stack) => stack.filter((e) => e.live));
    this.garbage = 0;
  }

  private stackFor(transmits: number): Entry[] {
    while (this.stacks.length <= transmits) this.stacks.push([]);
    return this.stacks[transmits];
  }
}
