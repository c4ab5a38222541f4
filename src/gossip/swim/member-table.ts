/**
 * Everyone this node knows about, except itself, keyed by node id.
 *
 * Member objects are never changed in place: a change stores a new object, so members handed
 * out in events or by `all()` stay valid snapshots. Alongside the map, dense arrays of live
 * (alive or suspect) and dead node ids make picking random probe helpers and gossip targets
 * O(1) per pick, which matters when a thousand members run in one process.
 */
import { Member, MemberState, isLive } from './member';
import { shuffle } from './probe-order';

class IdSet {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  add(id: string): void {
    if (this.index.has(id)) return;
    this.index.set(id, this.ids.length);
    this.ids.push(id);
  }

  delete(id: string): void {
    const i = this.index.get(id);
    if (i === undefined) return;
    const last = this.ids.pop()!;
    this.index.delete(id);
    if (last !== id) {
      this.ids[i] = last;
      this.index.set(last, i);
    }
  }
}

export class MemberTable {
  private readonly byId = new Map<string, Member>();
  private readonly live = new IdSet();
  private readonly dead = new IdSet();

  get(nodeId: string): Member | undefined {
    return this.byId.get(nodeId);
  }

  set(member: Member): void {
    const old = this.byId.get(member.nodeId);
    this.byId.set(member.nodeId, member);
    if (old && old.state === member.state) return;
    if (old) this.classOf(old.state)?.delete(member.nodeId);
    this.classOf(member.state)?.add(member.nodeId);
  }

  all(): Member[] {
    return [...this.byId.values()];
  }

  size(): number {
    return this.byId.size;
  }

  liveCount(): number {
    return this.live.ids.length;
  }

  deadCount(): number {
    return this.dead.ids.length;
  }

  /** Live node ids; the array is owned by the table, copy before keeping it. */
  liveIds(): readonly string[] {
    return this.live.ids;
  }

  /** Up to `count` distinct random live members for which `accept` holds. */
  sampleLive(count: number, random: () => number, accept: (m: Member) => boolean): Member[] {
    const ids = this.live.ids;
    const out: Member[] = [];
    if (count <= 0 || ids.length === 0) return out;
    const picked = new Set<string>();
    // Random probing is cheap while candidates are plentiful; a small table is scanned instead.
    if (ids.length > 4 * count) {
      for (let tries = 0; tries < 8 * count && out.length < count; tries++) {
        const m = this.byId.get(ids[Math.floor(random() * ids.length)])!;
        if (picked.has(m.nodeId) || !accept(m)) continue;
        picked.add(m.nodeId);
        out.push(m);
      }
      if (out.length === count) return out;
    }
    for (const id of shuffle([...ids], random)) {
      if (out.length === count) break;
      const m = this.byId.get(id)!;
      if (picked.has(m.nodeId) || !accept(m)) continue;
      picked.add(m.nodeId);
      out.push(m);
    }
    return out;
  }

  /** One random member in state dead (not left), if any. */
  randomDead(random: () => number): Member | undefined {
    const ids = this.dead.ids;
    if (ids.length === 0) return undefined;
    return this.byId.get(ids[Math.floor(random() * ids.length)]);
  }

  private classOf(state: MemberState): IdSet | undefined {
    if (isLive(state)) return this.live;
    return state === 'dead' ? this.dead : undefined;
  }
}
