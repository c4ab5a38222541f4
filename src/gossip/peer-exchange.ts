/**
 * Pure merge rules for the peer exchange: what a node believes after another node told it
 * about the members it knows.
 *
 * A member's own incarnation orders news about it: the higher incarnation wins; at equal
 * incarnation "left" (said by the member itself) beats everything. Liveness is otherwise this
 * node's own judgement from direct contact: hearsay can introduce a member (so we go and
 * talk to it), but never declares a member we know dead or alive.
 */
import { MemberView, MembershipChange } from './membership.types';

export interface MergeResult {
  members: Map<string, MemberView>;
  changes: MembershipChange[];
  /** Members heard of for the first time: the caller contacts them directly. */
  discovered: MemberView[];
}

export function mergeReports(
  current: ReadonlyMap<string, MemberView>,
  reports: readonly MemberView[],
  selfId: string,
): MergeResult {
  const members = new Map(current);
  const changes: MembershipChange[] = [];
  const discovered: MemberView[] = [];
  for (const report of reports) {
    if (!isValidReport(report) || report.nodeId === selfId) continue;
    const known = members.get(report.nodeId);
    if (!known) {
      const added: MemberView = { ...report, status: report.status === 'left' ? 'left' : 'suspect' };
      members.set(report.nodeId, added);
      if (added.status !== 'left') discovered.push(added);
      continue;
    }
    if (report.incarnation > known.incarnation) {
      const next: MemberView = {
        ...known,
        address: report.address,
        incarnation: report.incarnation,
        status: report.status === 'left' ? 'left' : known.status,
        lastSeen: Math.max(known.lastSeen, report.lastSeen),
      };
      members.set(report.nodeId, next);
      if (next.status === 'left' && known.status !== 'left') changes.push({ type: 'left', member: next });
      else if (next.address !== known.address) changes.push({ type: 'updated', member: next });
    } else if (report.incarnation === known.incarnation && report.status === 'left' && known.status !== 'left') {
      const next: MemberView = { ...known, status: 'left' };
      members.set(report.nodeId, next);
      changes.push({ type: 'left', member: next });
    }
  }
  return { members, changes, discovered };
}

/** Untrusted input from the wire: only well-formed reports are merged. */
export function isValidReport(x: unknown): x is MemberView {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.nodeId === 'string' &&
    /^[0-9a-f]{8,64}$/.test(r.nodeId) &&
    typeof r.address === 'string' &&
    r.address.length <= 300 &&
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/.test(r.address) &&
    (r.status === 'alive' || r.status === 'suspect' || r.status === 'dead' || r.status === 'left') &&
    Number.isSafeInteger(r.incarnation) &&
    Number.isFinite(r.lastSeen)
  );
}
