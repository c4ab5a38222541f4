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
