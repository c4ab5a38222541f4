/**
 * Everyone this node knows about, except itself, keyed by node id.
 *
 * Member objects are never changed in place: a change stores a new object, so members handed
 * out in events or by `all()` stay valid snapshots (and the simulator can share one object
 * among thousands of views until one of them changes it). Alongside the map, arrays of live
 * (alive or suspect) and dead node ids make picking random probe helpers and gossip targets
 * O(1) per pick. The arrays are maintained lazily: a member that changes class is appended to
 * its new array and left in the old one, picks skip such stale entries, and an array is
 * rebuilt from the map once stale entries make up half of it. Per member that costs one array
 * slot instead of an index map, which is what lets 10,000 full views fit in one process.
 */
import { Member, MemberState, isLive } from './member';
import { shuffle } from './probe-order';

type MemberClass = 'live' | 'dead';

function classOf(state: MemberState): MemberClass | undefined {
  if (isLive(state)) return 'live';
  return state === 'dead' ? 'dead' : undefined;
}

export class MemberTable {
  private readonly byId = new Map<string, Member>();
  /** Ids per class; may hold stale ids and duplicates until the next rebuild. */
  private readonly ids: Record<MemberClass, string[]> = { live: [], dead: [] };
  private readonly counts: Record<MemberClass, number> = { live: 0, dead: 0 };

  get(nodeId: string): Member | undefined {
    return this.byId.get(nodeId);
  }

  set(member: Member): void {
    const old = this.byId.get(member.nodeId);
    this.byId.set(member.nodeId, member);
    const from = old ? classOf(old.state) : undefined;
    const to = classOf(member.state);
    if (from === to) return;
    if (from) this.counts[from]--;
    if (to) {
      this.counts[to]++;
      this.ids[to].push(member.nodeId);
      if (this.ids[to].length > 2 * this.counts[to] + 16) this.rebuild(to);
    }
  }

  /** Removes a member; its ids left in the class arrays are skipped by picks and rebuilds. */
  delete(nodeId: string): void {
    const old = this.byId.get(nodeId);
    if (!old) return;
    this.byId.delete(nodeId);
    const from = classOf(old.state);
    if (from) this.counts[from]--;
  }

  all(): Member[] {
    return [...this.byId.values()];
  }

  size(): number {
    return this.byId.size;
  }

  liveCount(): number {
    return this.counts.live;
  }

  deadCount(): number {
    return this.counts.dead;
  }

  /** Live node ids, exactly (rebuilt if stale); owned by the table, copy before keeping it. */
  liveIds(): readonly string[] {
    if (this.ids.live.length !== this.counts.live) this.rebuild('live');
    return this.ids.live;
  }

  /** Up to `count` distinct random live members for which `accept` holds. */
  sampleLive(count: number, random: () => number, accept: (m: Member) => boolean): Member[] {
    const ids = this.ids.live;
    const out: Member[] = [];
    if (count <= 0 || this.counts.live === 0) return out;
    const picked = new Set<string>();
    // Random probing is cheap while candidates are plentiful; a small table is scanned instead.
    if (ids.length > 4 * count) {
      for (let tries = 0; tries < 8 * count && out.length < count; tries++) {
        const m = this.byId.get(ids[Math.floor(random() * ids.length)]);
        if (!m || !isLive(m.state) || picked.has(m.nodeId) || !accept(m)) continue;
        picked.add(m.nodeId);
        out.push(m);
      }
      if (out.length === count) return out;
    }
    for (const id of shuffle([...this.liveIds()], random)) {
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
    if (this.counts.dead === 0) return undefined;
    const ids = this.ids.dead;
    for (let tries = 0; tries < 8; tries++) {
      const m = this.byId.get(ids[Math.floor(random() * ids.length)]);
      if (m?.state === 'dead') return m;
    }
    this.rebuild('dead');
    return this.byId.get(this.ids.dead[Math.floor(random() * this.ids.dead.length)]);
  }

  private rebuild(c: MemberClass): void {
    const ids: string[] = [];
    for (const m of this.byId.values()) if (classOf(m.state) === c) ids.push(m.nodeId);
    this.ids[c] = ids;
  }
}
