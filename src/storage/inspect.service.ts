/**
 * `p2p inspect <key>`: why a file is (or is not) fully replicated. Every node placement picks,
 * and every other alive member, re-reads its copy; the answer names, node by node, whether it
 * holds a verified copy of the newest version, an old one, a damaged or missing one, or none,
 * and what repair is pending for each gap.
 */
import { Inject, Injectable } from '@nestjs/common';
import { describeError } from '../common/errors';
import { NODE_CONFIG } from '../config/config.tokens';
import { NodeConfig, effectiveWriteQuorum } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { placeKey } from './placement';
import { ReplicaRouter } from './replica-router';
import { CopyCheck, InspectReport } from './storage.types';
import { validateKey } from './key';
import { compareVersions } from './version';

@Injectable()
export class InspectService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly membership: MembershipService,
    private readonly router: ReplicaRouter,
  ) {}

  async inspect(rawKey: string): Promise<InspectReport> {
    const key = validateKey(rawKey);
    const live = this.membership.placementIds();
    const placed = placeKey(key, this.membership.repairPlacementIds(this.config.repairGraceMs), this.config.replicas);
    const nodes = [...new Set([...placed, ...live])];
    const checks = await Promise.allSettled(nodes.map((id) => this.router.verify(id, key)));
    const ok = checks.map((c) => (c.status === 'fulfilled' ? c.value : null));
    const newest = ok.reduce<string | null>((v, c) => (c?.version && (!v || compareVersions(c.version, v) > 0) ? c.version : v), null);
    const grave = ok.reduce<string | null>((v, c) => (c?.tombstone && (!v || compareVersions(c.tombstone, v) > 0) ? c.tombstone : v), null);
    const deleted = grave !== null && (newest === null || compareVersions(grave, newest) >= 0);
    const sizeSource = ok.find((c) => c?.version === newest && c.chunks > 0);
    const sized = ok.find((c) => c?.version === newest && typeof c.size === 'number');
    const pending: string[] = [];
    const report = nodes.map((nodeId, i) => {
      const check = ok[i];
      const isPlaced = placed.includes(nodeId);
      const address = this.membership.addressOf(nodeId) ?? 'unknown';
      const status = this.router.isSelf(nodeId) ? 'self' : this.membership.list().find((m) => m.nodeId === nodeId)?.status ?? 'unknown';
      const entry = describe(check, checks[i], isPlaced, newest, deleted);
      if (entry.repair) pending.push(`${address}: ${entry.repair}`);
      return { nodeId, address, status, placed: isPlaced, state: entry.state, detail: entry.detail };
    });
    return {
      key,
      version: deleted ? null : newest,
      size: deleted ? null : sized?.size ?? null,
      chunks: deleted ? null : sizeSource?.chunks ?? null,
      replicas: this.config.replicas,
      writeQuorum: effectiveWriteQuorum(this.config, Math.min(this.config.replicas, this.membership.knownIds().length)),
      // Nodes that hold nothing and are not placed say nothing useful: leave them out.
      nodes: report.filter((n) => n.placed || n.state !== 'extra'),
      pending,
    };
  }
}

function describe(
  check: CopyCheck | null,
  settled: PromiseSettledResult<CopyCheck>,
  placed: boolean,
  newest: string | null,
  deleted: boolean,
): { state: InspectReport['nodes'][number]['state']; detail: string; repair?: string } {
  if (!check) {
    const why = settled.status === 'rejected' ? describeError(settled.reason) : 'no answer';
    return { state: 'unreachable', detail: why, repair: placed ? 'copy will be checked when it answers again (or moved after --repair-grace)' : undefined };
  }
  if (deleted) {
    if (check.version && check.version !== check.tombstone) return { state: 'stale', detail: `still holds ${check.version}`, repair: 'the tombstone reaches it at the next anti-entropy round' };
    return { state: 'deleted', detail: check.tombstone ? 'has the tombstone' : 'holds nothing' };
  }
  if (!check.version) {
    if (newest === null) return { state: 'missing', detail: 'holds nothing (no node has this key)' };
    if (!placed) return { state: 'extra', detail: 'not placed here and holds nothing' };
    return { state: 'missing', detail: 'placed here but holds no copy', repair: 'anti-entropy copies it from a holder' };
  }
  if (check.corrupt || check.missing) {
    return { state: 'damaged', detail: `${check.corrupt} damaged and ${check.missing} missing of ${check.chunks} chunks`, repair: 'scrub restores the chunks from another holder' };
  }
  if (check.version !== newest) return { state: 'stale', detail: `holds older version ${check.version}`, repair: 'anti-entropy sends the newest version' };
  if (!placed) return { state: 'extra', detail: 'verified copy, no longer placed here', repair: 'handed off, then dropped once every placed holder confirms' };
  return { state: 'verified', detail: `all ${check.chunks} chunks verified` };
}
