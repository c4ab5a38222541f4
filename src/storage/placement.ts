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

/**
 * placeKey remembered per key and member list: placement hashes every member with every key,
 * and anti-entropy asks it of every key it holds. Only the member lists asked last are kept, so
 * a change of members is a fresh start; holder lists are shared between keys (few distinct).
 */
export class PlacementCache {
  private readonly lists = new Map<string, Map<string, string[]>>();
  private readonly interned = new Map<string, string[]>();

  constructor(private readonly replicas: number) {}

  /** A lookup of the holders of any key among these members (the same as placeKey's, never to be changed). */
  among(members: readonly string[]): (key: string) => readonly string[] {
    const list = [...members];
    const id = list.join(',');
    let byKey = this.lists.get(id);
    if (byKey) {
      this.lists.delete(id);
    } else {
      byKey = new Map();
      if (this.lists.size >= CACHED_MEMBER_LISTS) {
        this.lists.delete(this.lists.keys().next().value as string);
        this.interned.clear();
      }
    }
    this.lists.set(id, byKey);
    const cache = byKey;
    return (key) => {
      let holders = cache.get(key);
      if (!holders) {
        const placed = placeKey(key, list, this.replicas);
        const name = placed.join(',');
        holders = this.interned.get(name) ?? placed;
        this.interned.set(name, holders);
        cache.set(key, holders);
      }
      return holders;
    };
  }

  /** Forgets the placement of keys no longer held (so the cache does not outgrow the store). */
  forget(key: string): void {
    for (const byKey of this.lists.values()) byKey.delete(key);
  }
}
