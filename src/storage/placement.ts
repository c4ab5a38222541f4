/**
 * Placement by rendezvous (highest random weight) hashing: every node scores every key, the
 * `replicas` highest scores hold it. Any node computes the same answer from the member list
 * alone, and a node joining or leaving moves only the keys it wins or held.
 */
import { createHash } from 'node:crypto';

export function placementScore(nodeId: string, key: string): bigint {
  return createHash('sha256').update(`${nodeId}\n${key}`).digest().readBigUInt64BE(0);
}

export function placeKey(key: string, nodeIds: readonly string[], replicas: number): string[] {
  return [...new Set(nodeIds)]
    .map((id) => ({ id, score: placementScore(id, key) }))
    .sort((a, b) => (a.score === b.score ? (a.id < b.id ? -1 : 1) : a.score > b.score ? -1 : 1))
    .slice(0, Math.max(0, replicas))
    .map((s) => s.id);
}

/** Member lists whose placements a PlacementCache keeps (anti-entropy's repair list and handoff's). */
const CACHED_MEMBER_LISTS = 2;
const NOBODY: readonly string[] = [];

/**
 * Where a PlacementCache keeps what placement said of one key: on the key's own record (the
 * sync index's, indexed-key.ts), one slot per cached member list. A map per member list cost
 * about 45 bytes per key and list; two slots on the record cost 32.
 */
export class PlacementMemo {
  /** The member lists (PlacementCache ids, -1: none) the holders in each slot were placed among. */
  private list0 = -1;
  private holders0 = NOBODY;
  private list1 = -1;
  private holders1 = NOBODY;

  /** The holders remembered for member list `list`, if any. */
  placedAmong(list: number): readonly string[] | undefined {
    return this.list0 === list ? this.holders0 : this.list1 === list ? this.holders1 : undefined;
  }

  /** Remembers `holders` for `list`, in place of the older of the two lists (ids only grow). */
  rememberPlaced(list: number, holders: readonly string[]): void {
    if (this.list0 <= this.list1) {
      this.list0 = list;
      this.holders0 = holders;
    } else {
      this.list1 = list;
      this.holders1 = holders;
    }
  }
}

/** A key with its memo (a sync index record). */
export interface PlacedSubject extends PlacementMemo {
  readonly key: string;
}

/**
 * placeKey remembered per key and member list: placement hashes every member with every key,
 * and anti-entropy asks it of every key it holds. Only the member lists asked last are kept, so
 * a change of members is a fresh start; holder lists are shared between keys (few distinct).
 */
export class PlacementCache {
  /** Ids of the member lists asked last, by the list (joined with ','); the oldest first. */
  private readonly lists = new Map<string, number>();
  private nextId = 0;
  private readonly interned = new Map<string, readonly string[]>();

  constructor(private readonly replicas: number) {}

  /** A lookup of the holders of any key among these members (the same as placeKey's, never to be changed). */
  among(members: readonly string[]): (subject: PlacedSubject) => readonly string[] {
    const list = [...members];
    const name = list.join(',');
    let id = this.lists.get(name);
    if (id !== undefined) {
      this.lists.delete(name);
    } else {
      id = this.nextId++;
      if (this.lists.size >= CACHED_MEMBER_LISTS) {
        this.lists.delete(this.lists.keys().next().value as string);
        this.interned.clear();
      }
    }
    this.lists.set(name, id);
    const listId = id;
    return (subject) => {
      const kept = subject.placedAmong(listId);
      if (kept) return kept;
      const placed = placeKey(subject.key, list, this.replicas);
      const holdersName = placed.join(',');
      const holders = this.interned.get(holdersName) ?? placed;
      this.interned.set(holdersName, holders);
      subject.rememberPlaced(listId, holders);
      return holders;
    };
  }
}
