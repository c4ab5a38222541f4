/**
 * SWIM membership with the Lifeguard refinements, as a pure state machine.
 *
 * No sockets, timers or disk: the shell feeds it received messages, a tick every
 * `config.tickMs`, transport failures and its own event-loop lag, each with the current time,
 * and gets back the messages to send and the membership events to publish. The same class runs
 * a thousand times over in the simulator (test/sim) and once inside MembershipService.
 *
 * Parts (one file each): membership-view (what we believe and how news changes it), prober
 * (the probe / ping-req / nack cycle), broadcast-queue (what to piggyback), suspicion
 * (Lifeguard timeouts), awareness (local health), probe-order (who is probed next).
 *
 * Besides probing, the tick drives two dissemination paths:
 *  - gossip: every gossipIntervalMs pending updates go to `gossipNodes` random live members,
 *    plus one member declared dead recently (so a wrongly declared member learns and refutes);
 *  - push-pull: a full member-list exchange with one member, repairing whatever gossip missed.
 *    While members are dead, the partner is a dead one with probability dead/live (Serf's
 *    reconnect), which is how two halves of a healed partition find each other again. While
 *    nobody is live, the seeds given to join() are tried instead.
 * A join counts as done once some seed has answered with its member list; until then the seeds
 * are retried on every push-pull tick, so a node whose join was lost does not stay in an
 * island with the nodes that joined through it.
 */
import { GossipPresetName, GOSSIP_PRESETS, SwimConfig, validateSwimConfig } from '../gossip.presets';
import { LocalHealth } from './awareness';
import { isBelievableIncarnation } from './incarnation-bound';
import { Member, MemberUpdate, toUpdate } from './member';
import { MembershipView } from './membership-view';
import { SwimMessage } from './messages';
import { MembershipEvent, OutgoingMessage, SwimOutput, emptyOutput } from './output';
import { Prober } from './prober';
import { SMALL_CLUSTER, pushPullInterval } from './timing';

export type { MembershipEvent, SwimOutput } from './output';

export interface SwimMembershipOptions {
  self: { nodeId: string; address: string; incarnation?: number };
  config: SwimConfig;
  now: number;
  random?: () => number;
  /** Members restored from the database; their liveness is re-judged by probing. */
  known?: Member[];
}

export class SwimMembership {
  private readonly config: SwimConfig;
  private readonly random: () => number;
  private readonly view: MembershipView;
  private readonly health: LocalHealth;
  private readonly prober: Prober;
  private seeds: string[] = [];
  /** No seed has answered our join yet. */
  private joinPending = false;
  /** Undefined until the first tick: the shell may start ticking a while after construction. */
  private lastTickAt: number | undefined;
  private nextGossipAt: number;
  private nextPushPullAt: number;
  /** Gossip to a recently dead member goes out once per probe interval, not every gossip tick. */
  private nextObituaryAt = 0;
  /** News dropped for an incarnation past the ceiling (incarnation-bound.ts), for the shell to report. */
  implausibleNews = 0;

  constructor(opts: SwimMembershipOptions) {
    this.config = validateSwimConfig(opts.config);
    this.random = opts.random ?? Math.random;
    this.health = new LocalHealth(this.config.awarenessMax, this.config.lagThresholdMs);
    this.prober = new Prober(this.config, () => this.view, this.health, this.random, opts.now);
    this.view = new MembershipView(this.config, opts.self, opts.now, opts.known ?? [], {
      refuted: () => this.health.adjust(1),
      implausible: () => (this.implausibleNews += 1),
      added: (id) => this.prober.order.add(id),
      suspectedByOthers: (id) => {
        // Enough of us probe a newly suspected member at once to confirm a real failure within
        // one interval, without the whole cluster converging on it: about 2K probers.
        const k = this.view.bounds().k;
        if (this.random() < Math.min(1, (2 * k) / Math.max(1, this.view.size() - 1))) this.prober.probeFirst(id);
      },
    });
    this.nextGossipAt = opts.now + Math.floor(this.random() * this.config.gossipIntervalMs);
    this.nextPushPullAt = opts.now + Math.floor(this.random() * this.config.pushPullIntervalMs);
  }

  static withPreset(preset: GossipPresetName, opts: Omit<SwimMembershipOptions, 'config'>): SwimMembership {
    return new SwimMembership({ ...opts, config: GOSSIP_PRESETS[preset] });
  }

  /** Full member-list exchange with each seed; repeated while nobody answers. */
  join(seedAddresses: string[], now: number): SwimOutput {
    this.seeds = seedAddresses.filter((a) => a !== this.view.self().address);
    this.joinPending = this.seeds.length > 0;
    const out = emptyOutput();
    for (const address of this.seeds) out.send.push(...this.pushPull(address, undefined, false));
    this.nextPushPullAt = now + (this.view.table.liveCount() === 0 ? this.config.probeIntervalMs : pushPullInterval(this.config, this.view.size()));
    return out;
  }

  receive(message: SwimMessage, now: number): SwimOutput {
    const out = emptyOutput();
    const from = message.from;
    if (from.nodeId === this.view.self().nodeId) return out;
    // A sender that claims an incarnation past the ceiling is lying or an hour off: ignore it all.
    if (!isBelievableIncarnation({ state: 'alive', incarnation: from.incarnation }, now)) {
      this.implausibleNews += 1;
      return out;
    }
    // The sender is alive at its incarnation: this introduces it, or carries a new address.
    this.view.apply({ nodeId: from.nodeId, address: from.address, state: 'alive', incarnation: from.incarnation }, now, out.events, from.nodeId, true);
    if (message.type === 'push-pull') {
      for (const id of this.view.merge(message.members, from.nodeId, now, out.events)) {
        const m = this.view.table.get(id)!;
        out.send.push(this.direct(m.address, id, { type: 'gossip' }, [toUpdate(m)]));
      }
      if (!message.reply) out.send.push(...this.pushPull(from.address, from.nodeId, true));
      else if (this.joinPending && this.seeds.includes(from.address)) this.joinPending = false;
    } else {
      for (const u of message.updates) this.view.apply(u, now, out.events, from.nodeId);
    }
    this.tellTheAccused(from.nodeId, from.incarnation, out.send);
    this.greetNewcomers(from.nodeId, out);
    this.announceNewcomer(from.nodeId, now, out);
    switch (message.type) {
      case 'ping':
        // A stale address may now belong to someone else, who must not answer for the target.
        if (message.target === this.view.self().nodeId) out.send.push(this.direct(from.address, from.nodeId, { type: 'ack', seq: message.seq }));
        break;
      case 'ack':
        this.prober.onAck(message.seq, out.send);
        break;
      case 'nack':
        this.prober.onNack(message.seq);
        break;
      case 'ping-req':
        this.prober.onPingReq(message, now, out.send);
        break;
    }
    return out;
  }

  tick(now: number): SwimOutput {
    const out = emptyOutput();
    const gap = this.lastTickAt === undefined ? 0 : now - this.lastTickAt;
    this.lastTickAt = now;
    // A tick far later than asked means our event loop was stuck: our timeouts are not evidence.
    if (gap > this.config.tickMs + this.config.lagThresholdMs) this.onStall(gap - this.config.tickMs, now);
    if (this.view.self().state !== 'left') {
      const outcome = this.prober.tick(now, out.send);
      if (outcome.kind === 'failed') this.view.suspectFromProbe(outcome.nodeId, now, out.events);
      this.view.expire(now, out.events);
      if (now >= this.nextPushPullAt) this.pushPullTick(now, out.send);
    }
    if (now >= this.nextGossipAt) {
      this.nextGossipAt = now + this.config.gossipIntervalMs;
      this.gossip(now, out.send);
    }
    return out;
  }

  // `to` and `now` are part of the shell's contract; the probe state already knows both.
  sendFailed(to: string, message: SwimMessage, now: number): SwimOutput {
    const out = emptyOutput();
    this.prober.onSendFailed(message, out.send);
    return out;
  }

  /** Announces a graceful departure; afterwards we answer pings but probe nobody. */
  leave(now: number): SwimOutput {
    const out = emptyOutput();
    this.view.leave(now);
    // Do not wait for the next gossip tick: the shell may stop soon after.
    const targets = this.view.table.sampleLive(2 * this.config.gossipNodes, this.random, () => true);
    for (const m of targets) out.send.push(this.direct(m.address, m.nodeId, { type: 'gossip' }, [toUpdate(this.view.self())]));
    return out;
  }

  /** Our advertised address changed (the transport learned a routable host). */
  updateAddress(address: string, now: number): void {
    this.view.moveTo(address, now);
  }

  reportLocalLag(lagMs: number, now: number): void {
    this.health.reportLag(lagMs, now, this.health.scale(this.config.probeIntervalMs));
  }

  self(): Member {
    return this.view.self();
  }

  /**
   * Forgets members dead or left for at least forgetAfterMs (or, with `ids`, those members if
   * they are dead or left); returns the ids forgotten.
   */
  forget(now: number, ids?: Iterable<string>): string[] {
    const gone: string[] = [];
    const candidates = ids ? [...ids].map((id) => this.view.table.get(id)).filter((m): m is Member => m !== undefined) : this.view.table.all();
    for (const m of candidates) {
      if (m.state !== 'dead' && m.state !== 'left') continue;
      if (!ids && now - m.lastChange < this.config.forgetAfterMs) continue;
      this.view.table.delete(m.nodeId);
      gone.push(m.nodeId);
    }
    return gone;
  }

  members(): Member[] {
    return this.view.table.all();
  }

  get(nodeId: string): Member | undefined {
    return this.view.table.get(nodeId);
  }

  /** Current Lifeguard multiplier (0..awarenessMax), for metrics. */
  healthScore(): number {
    return this.health.multiplier();
  }

  /** Updates waiting to be gossiped, for metrics. */
  pendingBroadcasts(): number {
    return this.view.queue.size();
  }

  private onStall(lagMs: number, now: number): void {
    this.health.reportLag(lagMs, now, this.health.scale(this.config.probeIntervalMs));
    this.prober.onStall(now);
    this.view.postponeSuspicions(now + this.health.scale(this.config.probeTimeoutMs));
  }

  private gossip(now: number, send: OutgoingMessage[]): void {
    const dead = now >= this.nextObituaryAt ? this.view.table.randomDead(this.random) : undefined;
    if (dead && now - dead.lastChange < this.config.gossipToTheDeadMs) {
      this.nextObituaryAt = now + this.config.probeIntervalMs;
      // Only its own obituary: enough to make it refute if it lives, and no news about others
      // that it could carry back across a healing partition as if it were its own judgement.
      send.push(this.direct(dead.address, dead.nodeId, { type: 'gossip' }, [toUpdate(dead)]));
    }
    if (this.view.queue.size() === 0) return;
    for (const m of this.view.table.sampleLive(this.config.gossipNodes, this.random, () => true)) {
      const updates = this.view.piggyback();
      if (updates.length === 0) break;
      send.push({ to: m.address, toNodeId: m.nodeId, message: { type: 'gossip', from: this.view.selfRef(), updates } });
    }
  }

  private pushPullTick(now: number, send: OutgoingMessage[]): void {
    this.nextPushPullAt = now + pushPullInterval(this.config, this.view.size());
    const table = this.view.table;
    if (table.liveCount() === 0) {
      // Alone: keep knocking at the seeds, faster than the push-pull period, until one answers.
      this.nextPushPullAt = now + this.config.probeIntervalMs;
      for (const address of this.seeds) send.push(...this.pushPull(address, undefined, false));
      const dead = table.randomDead(this.random);
      if (dead && !this.seeds.includes(dead.address)) send.push(...this.pushPull(dead.address, dead.nodeId, false));
      return;
    }
    if (this.joinPending) for (const address of this.seeds) send.push(...this.pushPull(address, undefined, false));
    const reconnect = table.deadCount() > 0 && this.random() < table.deadCount() / table.liveCount();
    const partner = (reconnect ? table.randomDead(this.random) : undefined) ?? table.sampleLive(1, this.random, () => true)[0];
    if (partner) send.push(...this.pushPull(partner.address, partner.nodeId, false));
  }

  /**
   * In a small cluster, a member we hear of from someone else probably has not heard of us or
   * of what we know either (nodes started together, each given the previous one as seed): one
   * push-pull with it merges the two views at once instead of news crawling along the chain of
   * seeds. Above SMALL_CLUSTER, gossip alone reaches everyone in a few rounds and a push-pull
   * per discovery would cost O(N) each.
   */
  private greetNewcomers(senderId: string, out: SwimOutput): void {
    if (this.view.size() > SMALL_CLUSTER) return;
    for (const e of out.events) {
      if (e.type === 'joined' && e.member.nodeId !== senderId) out.send.push(...this.pushPull(e.member.address, e.member.nodeId, false));
    }
  }

  /**
   * A member that introduces itself to us (its join, usually) is news for everyone: gossip it
   * now, over connections we already have, instead of at our next gossip tick. Members that
   * hear of it from others pass it on at their own ticks; the transmissions per update stay
   * capped either way.
   */
  private announceNewcomer(senderId: string, now: number, out: SwimOutput): void {
    if (out.events.some((e) => e.type === 'joined' && e.member.nodeId === senderId)) this.gossip(now, out.send);
  }

  /** A member that talks to us while we hold it suspect or dead is told so, so it refutes at once. */
  private tellTheAccused(nodeId: string, incarnation: number, send: OutgoingMessage[]): void {
    const m = this.view.table.get(nodeId);
    if (!m || m.state === 'alive' || m.state === 'left' || m.incarnation < incarnation) return;
    send.push(this.direct(m.address, nodeId, { type: 'gossip' }, [toUpdate(m)]));
  }

  /**
   * Our whole member list for `to`, in parts of at most PUSH_PULL_PART_BYTES of JSON each, so
   * that no list, however many members were ever seen, outgrows a message. Only the first
   * part of a request asks for an answer (`reply: false`); the later parts, like every part of
   * an answer, are marked as replies and are merged without being answered.
   */
  private pushPull(to: string, toNodeId: string | undefined, reply: boolean): OutgoingMessage[] {
    return pushPullParts(this.view.fullList()).map((members, i) => {
      const msg: OutgoingMessage = { to, message: { type: 'push-pull', reply: reply || i > 0, from: this.view.selfRef(), members } };
      if (toNodeId) msg.toNodeId = toNodeId;
      return msg;
    });
  }

  private direct(to: string, toNodeId: string, body: { type: 'ack'; seq: number } | { type: 'gossip' }, updates = this.view.piggyback()): OutgoingMessage {
    return { to, toNodeId, message: { ...body, from: this.view.selfRef(), updates } as SwimMessage };
  }
}

/** JSON bytes of members in one push-pull: a quarter of the 1 MiB body limit. */
export const PUSH_PULL_PART_BYTES = 256 * 1024;

/** A member list cut into parts of at most PUSH_PULL_PART_BYTES of JSON (one part at least). */
export function pushPullParts(list: MemberUpdate[], maxBytes = PUSH_PULL_PART_BYTES): MemberUpdate[][] {
  const parts: MemberUpdate[][] = [[]];
  let bytes = 0;
  for (const u of list) {
    const size = Buffer.byteLength(JSON.stringify(u)) + 1;
    if (bytes + size > maxBytes && parts[parts.length - 1].length > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1].push(u);
    bytes += size;
  }
  return parts;
}
