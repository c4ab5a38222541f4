/**
 * The failure detector's probe cycle (SWIM section 3.1 with Lifeguard's nacks), as data.
 *
 * One probe per (health-scaled) probe interval: ping the next member of the probe order; with
 * no ack by the probe timeout, ask `indirectChecks` other members to ping it for us (ping-req);
 * with still no ack by the end of the interval, the probe has failed and the member becomes
 * suspect. Intermediaries that cannot reach the target answer with a nack by 80% of the probe
 * timeout: a missing nack means the trouble may be on our side, which raises our local health
 * multiplier instead of only blaming the target.
 *
 * The prober also plays the intermediary for others: it remembers each relayed ping so the
 * target's ack can be forwarded to the originator, or a nack sent when it does not come.
 */
import type { SwimConfig } from '../gossip.presets';
import { LocalHealth } from './awareness';
import { Member, isLive } from './member';
import { MembershipView } from './membership-view';
import { PingReqMessage, SwimMessage } from './messages';
import { OutgoingMessage } from './output';
import { ProbeOrder } from './probe-order';

interface Probe {
  nodeId: string;
  seq: number;
  /** No direct ack by then: go indirect. */
  ackDeadline: number;
  /** No ack at all by then: the probe failed. */
  end: number;
  indirectSent: boolean;
  expectedNacks: number;
  nacks: number;
  /** The transport could not even connect to the target (connection refused). */
  refused: boolean;
}

interface Relay {
  originSeq: number;
  originAddress: string;
  originNodeId: string;
  nackAt: number;
}

export type ProbeOutcome = { kind: 'none' } | { kind: 'failed'; nodeId: string };

export class Prober {
  private probe: Probe | undefined;
  private nextProbeAt: number;
  private readonly relays = new Map<number, Relay>();
  private seq = 0;
  /** A member others suspect, probed next so our verdict can confirm or not. */
  private priority: string | undefined;
  readonly order: ProbeOrder;

  constructor(
    private readonly config: SwimConfig,
    private readonly view: () => MembershipView,
    private readonly health: LocalHealth,
    private readonly random: () => number,
    now: number,
  ) {
    this.order = new ProbeOrder(random);
    // Spread the first probes of nodes started together over one interval.
    this.nextProbeAt = now + Math.floor(random() * config.probeIntervalMs);
  }

  probeFirst(nodeId: string): void {
    if (this.probe?.nodeId !== nodeId) this.priority = nodeId;
  }

  /** Advances the probe cycle; returns the member whose probe just failed, if any. */
  tick(now: number, send: OutgoingMessage[]): ProbeOutcome {
    let outcome: ProbeOutcome = { kind: 'none' };
    const p = this.probe;
    if (p) {
      if (!p.indirectSent && now >= p.ackDeadline) this.goIndirect(p, send);
      if (now >= p.end) {
        this.probe = undefined;
        // Lifeguard: each intermediary that neither acked nor nacked counts against us.
        if (p.expectedNacks > p.nacks) this.health.adjust(p.expectedNacks - p.nacks);
        if (!this.health.distrusts(now)) outcome = { kind: 'failed', nodeId: p.nodeId };
      }
    }
    if (!this.probe && now >= this.nextProbeAt) this.start(now, send);
    for (const [seq, r] of this.relays) {
      if (now < r.nackAt) continue;
      this.relays.delete(seq);
      send.push(this.message(r.originAddress, r.originNodeId, { type: 'nack', seq: r.originSeq }));
    }
    return outcome;
  }

  onAck(seq: number, send: OutgoingMessage[]): void {
    if (this.probe?.seq === seq) {
      this.probe = undefined;
      this.health.adjust(-1);
      return;
    }
    const r = this.relays.get(seq);
    if (r) {
      this.relays.delete(seq);
      send.push(this.message(r.originAddress, r.originNodeId, { type: 'ack', seq: r.originSeq }));
    }
  }

  onNack(seq: number): void {
    const p = this.probe;
    if (p?.seq !== seq) return;
    p.nacks++;
    // Refused by the target and unreachable from every intermediary: no point waiting out the
    // interval (a killed process on a live host looks exactly like this).
    if (p.refused && p.nacks >= p.expectedNacks) p.end = Number.NEGATIVE_INFINITY;
  }

  /** Someone asks us to probe `target` for them. */
  onPingReq(m: PingReqMessage, now: number, send: OutgoingMessage[]): void {
    const selfId = this.view().self().nodeId;
    if (m.target.nodeId === selfId) {
      send.push(this.message(m.from.address, m.from.nodeId, { type: 'ack', seq: m.seq }));
      return;
    }
    const seq = ++this.seq;
    this.relays.set(seq, { originSeq: m.seq, originAddress: m.from.address, originNodeId: m.from.nodeId, nackAt: now + 0.8 * this.config.probeTimeoutMs });
    send.push(this.message(m.target.address, m.target.nodeId, { type: 'ping', seq, target: m.target.nodeId }));
  }

  /** The transport could not deliver `message`: for a probe, that is a missed ack now. */
  onSendFailed(message: SwimMessage, send: OutgoingMessage[]): void {
    const p = this.probe;
    if (message.type === 'ping') {
      if (p && p.seq === message.seq) {
        p.refused = true;
        if (!p.indirectSent) this.goIndirect(p, send, false);
      }
      const r = this.relays.get(message.seq);
      if (r) {
        this.relays.delete(message.seq);
        send.push(this.message(r.originAddress, r.originNodeId, { type: 'nack', seq: r.originSeq }));
      }
    } else if (message.type === 'ping-req' && p && p.seq === message.seq) {
      // An unreachable intermediary says nothing about our own health.
      p.expectedNacks = Math.max(0, p.expectedNacks - 1);
    }
  }

  /** We stalled: an unanswered probe may have its ack waiting unread, so it proves nothing. */
  onStall(now: number): void {
    const p = this.probe;
    if (!p) return;
    const timeout = this.health.scale(this.config.probeTimeoutMs);
    p.ackDeadline = Math.max(p.ackDeadline, now + timeout);
    p.end = Math.max(p.end, now + timeout);
  }

  private start(now: number, send: OutgoingMessage[]): void {
    const view = this.view();
    const interval = this.health.scale(this.config.probeIntervalMs);
    this.nextProbeAt = now + interval;
    const eligible = (id: string) => isLive(view.table.get(id)?.state ?? 'dead');
    let target: string | undefined;
    if (this.priority && eligible(this.priority)) target = this.priority;
    this.priority = undefined;
    target ??= this.order.next(eligible, () => view.table.liveIds());
    if (!target) return;
    const member = view.table.get(target)!;
    const seq = ++this.seq;
    this.probe = {
      nodeId: target,
      seq,
      ackDeadline: now + this.health.scale(this.config.probeTimeoutMs),
      end: now + interval,
      indirectSent: false,
      expectedNacks: 0,
      nacks: 0,
      refused: false,
    };
    send.push(this.message(member.address, target, { type: 'ping', seq, target }));
  }

  private goIndirect(p: Probe, send: OutgoingMessage[], retryDirect = true): void {
    p.indirectSent = true;
    const view = this.view();
    const target = view.table.get(p.nodeId);
    if (!target) return;
    // One more direct ping alongside the indirect ones (memberlist's fallback probe does the
    // same over TCP): a single lost ping or ack then no longer rests on the intermediaries alone.
    if (retryDirect) send.push(this.message(target.address, target.nodeId, { type: 'ping', seq: p.seq, target: target.nodeId }));
    const helpers = view.table.sampleLive(this.config.indirectChecks, this.random, (m: Member) => m.nodeId !== p.nodeId && m.state === 'alive');
    p.expectedNacks = helpers.length;
    for (const h of helpers) {
      send.push(this.message(h.address, h.nodeId, { type: 'ping-req', seq: p.seq, target: { nodeId: target.nodeId, address: target.address } }));
    }
  }

  /** Every probe-cycle message carries our identity and whatever gossip is pending. */
  private message(to: string, toNodeId: string, body: { type: 'ping'; seq: number; target: string } | { type: 'ack' | 'nack'; seq: number } | { type: 'ping-req'; seq: number; target: { nodeId: string; address: string } }): OutgoingMessage {
    const view = this.view();
    return { to, toNodeId, message: { ...body, from: view.selfRef(), updates: view.piggyback() } as SwimMessage };
  }
}
