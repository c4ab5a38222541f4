/**
 * Pending member updates waiting to be piggybacked, at most one per member.
 *
 * SWIM spreads news infection-style: every node that learns an update passes it on a bounded
 * number of times, retransmitMult * ceil(log10(N + 1)), which reaches every member with high
 * probability. Messages have room for only a few updates, so the least-sent news goes first
 * (it has reached the fewest members), and among equally-sent news the newest goes first.
 *
 * Newer news about a member replaces older news about the same member in place: there is no
 * point spending bandwidth on "B is suspect" once "B is alive at a higher incarnation" is known.
 * The queue is bounded; on overflow the most-sent entries are dropped, since the periodic
 * push-pull repairs whatever gossip missed.
 *
 * Implementation: a binary min-heap ordered by (transmits, -sequence) with lazy deletion;
 * replaced or dropped entries stay in the heap, marked dead, until they surface or a
 * compaction removes them. Taking m updates costs O(m log Q).
 */
import { MemberUpdate } from './member';

interface Entry {
  update: MemberUpdate;
  transmits: number;
  /** Enqueue order: larger is newer. */
  seq: number;
  live: boolean;
}

export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(Math.max(n, 0) + 1));
}

export class BroadcastQueue {
  private readonly byNode = new Map<string, Entry>();
  private heap: Entry[] = [];
  private nextSeq = 0;

  constructor(private readonly capacity: number) {}

  /** Queues news about `update.nodeId`, replacing whatever was queued about that member. */
  enqueue(update: MemberUpdate): void {
    const old = this.byNode.get(update.nodeId);
    if (old) old.live = false;
    const entry: Entry = { update, transmits: 0, seq: this.nextSeq++, live: true };
    this.byNode.set(update.nodeId, entry);
    this.push(entry);
    if (this.byNode.size > this.capacity) this.compact(Math.floor(this.capacity * 0.9));
    else if (this.heap.length > 2 * this.byNode.size + 64) this.compact(this.capacity);
  }

  /**
   * Up to `max` updates for one outgoing message, least-sent first. Each counts as one
   * transmission; an update sent `limit` times leaves the queue.
   */
  take(max: number, limit: number): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    if (this.byNode.size === 0) return out;
    const resend: Entry[] = [];
    while (out.length < max && this.heap.length > 0) {
      const e = this.pop();
      if (!e.live) continue;
      out.push(e.update);
      e.transmits++;
      if (e.transmits >= limit) {
        e.live = false;
        this.byNode.delete(e.update.nodeId);
      } else {
        resend.push(e);
      }
    }
    for (const e of resend) this.push(e);
    return out;
  }

  /** The queued update about a member, if any (for tests and the shell's diagnostics). */
  pending(nodeId: string): MemberUpdate | undefined {
    return this.byNode.get(nodeId)?.update;
  }

  size(): number {
    return this.byNode.size;
  }

  /** Rebuilds the heap from live entries, keeping the `keep` most valuable ones. */
  private compact(keep: number): void {
    let live = this.heap.filter((e) => e.live);
    if (live.length > keep) {
      live.sort(before);
      for (const e of live.slice(keep)) {
        e.live = false;
        this.byNode.delete(e.update.nodeId);
      }
      live = live.slice(0, keep);
    }
    this.heap = [];
    for (const e of live) this.push(e);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (before(h[parent], h[i]) <= 0) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m]) < 0) m = l;
        if (r < h.length && before(h[r], h[m]) < 0) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Heap order: fewer transmissions first, then newer first. */
function before(a: Entry, b: Entry): number {
  return a.transmits - b.transmits || b.seq - a.seq;
}
