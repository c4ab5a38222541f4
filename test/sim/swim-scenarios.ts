/**
 * Measurements shared by the SWIM simulation spec and bench/gossip-sim.ts: who sees what,
 * and every death any node declares, so a run can prove no healthy member was ever killed.
 */
import type { MemberState } from '../../src/gossip/swim/member';
import { InMemoryNetwork } from '../helpers/in-memory-network';

export interface Death {
  observer: number;
  nodeId: string;
  at: number;
}

/** Records every `dead` event; `about(nodeId)` lists them for one member. */
export class DeathLog {
  readonly deaths: Death[] = [];

  constructor(net: InMemoryNetwork) {
    net.onEvent((observer, e, now) => {
      if (e.type === 'dead') this.deaths.push({ observer, nodeId: e.member.nodeId, at: now });
    });
  }

  about(nodeId: string): Death[] {
    return this.deaths.filter((d) => d.nodeId === nodeId);
  }

  /** Deaths of members for which `healthy` holds: each one is a false positive. */
  falsePositives(healthy: (nodeId: string) => boolean): Death[] {
    return this.deaths.filter((d) => healthy(d.nodeId));
  }
}

/** True when every running node other than `target` (and those in `skip`) holds `target` in one of `states`. */
export function everyoneSees(net: InMemoryNetwork, target: number, states: readonly MemberState[], skip: ReadonlySet<number> = new Set()): boolean {
  const id = net.nodeIds[target];
  for (let j = 0; j < net.nodes.length; j++) {
    if (j === target || skip.has(j) || net.isCrashed(j)) continue;
    const m = net.nodes[j].get(id);
    if (!m || !states.includes(m.state)) return false;
  }
  return true;
}

/** How many running nodes (other than those in `skip`) hold `target` in one of `states`. */
export function countSeeing(net: InMemoryNetwork, target: number, states: readonly MemberState[], skip: ReadonlySet<number> = new Set()): number {
  const id = net.nodeIds[target];
  let n = 0;
  for (let j = 0; j < net.nodes.length; j++) {
    if (j === target || skip.has(j) || net.isCrashed(j)) continue;
    const m = net.nodes[j].get(id);
    if (m && states.includes(m.state)) n++;
  }
  return n;
}

/** True when every running node holds every other running node alive (one view, all healthy). */
export function oneHealthyView(net: InMemoryNetwork, members: readonly number[]): boolean {
  for (const j of members) {
    const swim = net.nodes[j];
    for (const k of members) {
      if (k === j) continue;
      if (swim.get(net.nodeIds[k])?.state !== 'alive') return false;
    }
  }
  return true;
}
