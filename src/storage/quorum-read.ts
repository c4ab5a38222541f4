/**
 * The rules of a quorum read (see docs/design.md "Read consistency"). A store or delete is
 * acknowledged once W of the key's N placed holders have it, so any R = N - W + 1 of those
 * holders include at least one that has every acknowledged write: a read asks R of them first
 * and stops there when their answers settle it, and asks every holder otherwise.
 */
import type { FileManifest } from '../peer-repository/file.repository';
import type { ManifestReport } from './storage.types';
import { compareVersions } from './version';

/** How many of `placed` holders meet every write quorum of `writeQuorum` among them. */
export function readQuorum(placed: number, writeQuorum: number): number {
  return Math.min(placed, Math.max(1, placed - writeQuorum + 1));
}

/**
 * The holders a quorum read asks: this node first when it is one (its answer costs no round
 * trip), then the others starting at a different one each `turn`, so reads spread over them.
 * Empty when fewer than `count` are reachable: the read then asks everyone it can.
 */
export function quorumReadSet(reachable: readonly string[], isSelf: (id: string) => boolean, count: number, turn: number): string[] {
  if (count < 1 || reachable.length < count) return [];
  const self = reachable.filter(isSelf);
  const others = reachable.filter((id) => !isSelf(id));
  const start = others.length ? turn % others.length : 0;
  return [...self, ...others.slice(start), ...others.slice(0, start)].slice(0, count);
}

/**
 * The manifest a quorum read may return without asking further: every answer holds the same
 * version, that none of them (nor `abortedHere`, this node's own records) knows as aborted and
 * that no tombstone among them is as new as; and at least one of them knows that version's
 * store was acknowledged (a failed store is never settled) on the holders the key is placed on
 * now (`placed`: the set the read quorum was counted in). Anything else (different versions, a
 * missing copy, a known abort, a delete, a version not known acknowledged, a placement that
 * moved since) is left to the read of every holder.
 */
export function settledManifest(reports: readonly ManifestReport[], abortedHere: readonly string[], placed: readonly string[]): FileManifest | undefined {
  const first = reports[0]?.manifest;
  if (!first) return undefined;
  const aborted = new Set(abortedHere);
  for (const r of reports) {
    if (!r.manifest || r.manifest.version !== first.version) return undefined;
    r.aborted?.forEach((v) => aborted.add(v));
  }
  if (aborted.has(first.version)) return undefined;
  for (const r of reports) if (r.tombstone && compareVersions(r.tombstone.version, first.version) >= 0) return undefined;
  return reports.some((r) => r.settledFor && sameSet(r.settledFor, placed)) ? first : undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((id) => set.has(id));
}
