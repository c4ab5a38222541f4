/**
 * What this node believes about every member, and how news changes it.
 *
 * Each piece of news (a piggybacked update, an entry of a pushed member list, the sender of a
 * message) goes through `apply`, which keeps it only when it supersedes what we hold (see
 * member.ts), records the state change with an event, starts or ends suspicion timers, and
 * queues the news for re-gossip so it spreads infection-style. News about ourselves is never
 * stored: a suspicion or death at our current incarnation is refuted by raising it.
 *
 * Only "alive" news introduces an unknown member; hearsay about a stranger being suspect,
 * dead or gone is dropped (we would have nobody to tell).
 */
import type { SwimConfig } from '../gossip.presets';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue';
import { isBelievableIncarnation } from './incarnation-bound';
import { Member, MemberUpdate, isLive, supersedes, toUpdate } from './member';
import { MemberTable } from './member-table';
import { NodeRef } from './messages';
import { MembershipEvent } from './output';
import { Suspicion, SuspicionBounds, suspicionBounds } from './suspicion';

export interface ViewHooks {
  /** We had to refute a suspicion of ourselves: a sign we are slow (Lifeguard). */
  refuted(): void;
  /** Someone else suspects `nodeId`: a chance to probe it ourselves and confirm (or not). */
  suspectedByOthers(nodeId: string): void;
  /** A member became known or live again: it joins the probe order. */
  added(nodeId: string): void;
  /** News at an incarnation past the ceiling was dropped (see incarnation-bound). */
  implausible?(update: MemberUpdate): void;
}

export class MembershipView {
  readonly table = new MemberTable();
  readonly queue: BroadcastQueue;
  private me: Member;
  private readonly suspicions = new Map<string, Suspicion>();
  /** Earliest suspicion deadline, so most ticks skip the scan. */
  private nextExpiry = Number.POSITIVE_INFINITY;
  private boundsCache: { n: number; bounds: SuspicionBounds } | undefined;

  constructor(
    private readonly config: SwimConfig,
    self: { nodeId: string; address: string; incarnation?: number },
    now: number,
    known: readonly Member[],
    private readonly hooks: ViewHooks,
  ) {
    this.queue = new BroadcastQueue(config.broadcastQueueMax);
    let incarnation = self.incarnation ?? 0;
    for (const stored of known) {
      // A stored incarnation past the ceiling is a lie that got in before it was checked: a
      // member's real news could never outrank it, so it is forgotten (see incarnation-bound).
      const m = isBelievableIncarnation(stored, now) ? stored : { ...stored, incarnation: 0 };
      if (m.nodeId === self.nodeId) {
        // A record of an earlier run of ourselves: outrank it so old news cannot bury us.
        incarnation = Math.max(incarnation, m.incarnation + 1);
        continue;
      }
      // Stored liveness is history; our own probes will judge the member again.
      const state = isLive(m.state) ? 'alive' : m.state;
      // Members are immutable, so one given in the state we want is kept as it is.
      // Not added to the probe order one by one: its first pass is built from the table.
      this.table.set(m.state === state ? m : { ...m, state });
    }
    this.me = { nodeId: self.nodeId, address: self.address, state: 'alive', incarnation, lastChange: now };
  }

  self(): Member {
    return this.me;
  }

  selfRef(): NodeRef {
    return { nodeId: this.me.nodeId, address: this.me.address, incarnation: this.me.incarnation };
  }

  /** N in every formula: live members including ourselves. */
  size(): number {
    return this.table.liveCount() + 1;
  }

  bounds(): SuspicionBounds {
    const n = this.size();
    // Shared by every suspicion started at this cluster size.
    if (this.boundsCache?.n !== n) this.boundsCache = { n, bounds: suspicionBounds(this.config, n) };
    return this.boundsCache.bounds;
  }

  /** Pending updates for one outgoing message. */
  piggyback(): MemberUpdate[] {
    return this.queue.take(this.config.maxPiggyback, retransmitLimit(this.config.retransmitMult, this.size()));
  }

  /** Our whole view for a push-pull, ourselves first. */
  fullList(): MemberUpdate[] {
    const list = [toUpdate(this.me)];
    for (const m of this.table.all()) list.push(toUpdate(m));
    return list;
  }

  /** `sender`: the node that told us, counted as the suspector when the news names none. */
  apply(u: MemberUpdate, now: number, events: MembershipEvent[], sender?: string, direct = false): void {
    if (!isBelievableIncarnation(u, now)) return this.hooks.implausible?.(u);
    if (u.nodeId === this.me.nodeId) return this.applyAboutSelf(u, now);
    const known = this.table.get(u.nodeId);
    if (!known) {
      if (u.state !== 'alive') return;
      const member: Member = { nodeId: u.nodeId, address: u.address, state: 'alive', incarnation: u.incarnation, lastChange: now };
      this.table.set(member);
      this.hooks.added(member.nodeId);
      events.push({ type: 'joined', member });
      this.queue.enqueue(u.from === undefined ? u : toUpdate(member));
      return;
    }
    if (u.state === 'dead' && u.from !== this.me.nodeId && this.tooSoonForHearsayDeath(known, u.incarnation, now)) {
      // Death by hearsay of a member we did not suspect, or only just began to: most likely a
      // verdict from the far side of a partition that just healed. Take it as a suspicion (or a
      // confirmation of ours): if the member lives it refutes, if not our own timer, shortened
      // by the declarer's confirmation, finishes the job. After a real failure the suspicion
      // has reached us long before the first death is declared.
      return this.apply({ nodeId: u.nodeId, address: u.address, state: 'suspect', incarnation: u.incarnation, from: u.from ?? sender }, now, events, sender);
    }
    if (!supersedes(u, known)) {
      if (u.state === 'suspect' && known.state === 'suspect' && u.incarnation === known.incarnation) {
        const suspector = u.from ?? sender;
        // A new independent suspector shortens the timer; pass the confirmation on.
        if (suspector && this.suspicions.get(u.nodeId)?.confirm(suspector)) {
          this.nextExpiry = Math.min(this.nextExpiry, this.suspicions.get(u.nodeId)!.expiresAt());
          this.queue.enqueue(u);
        }
      } else if (direct && u.state === 'alive' && known.state === 'alive' && u.incarnation === known.incarnation && u.address !== known.address) {
        // The member itself is talking to us from a new address it advertises.
        this.store({ ...known, address: u.address, lastChange: now }, 'updated', events);
      }
      return;
    }
    const member: Member = { nodeId: u.nodeId, address: u.address, state: u.state, incarnation: u.incarnation, lastChange: now };
    let from = u.state === 'alive' ? undefined : u.from;
    switch (u.state) {
      case 'alive': {
        this.suspicions.delete(u.nodeId);
        const type = known.state === 'suspect' ? 'alive' : known.state === 'alive' ? (known.address !== u.address ? 'updated' : undefined) : 'recovered';
        this.store(member, type, events);
        if (!isLive(known.state)) this.hooks.added(u.nodeId);
        break;
      }
      case 'suspect': {
        const suspector = u.from ?? sender ?? this.me.nodeId;
        from = suspector;
        const suspicion = new Suspicion(u.incarnation, now, suspector, this.bounds());
        this.suspicions.set(u.nodeId, suspicion);
        this.nextExpiry = Math.min(this.nextExpiry, suspicion.expiresAt());
        this.store(member, 'suspect', events);
        if (!isLive(known.state)) this.hooks.added(u.nodeId);
        if (suspector !== this.me.nodeId) this.hooks.suspectedByOthers(u.nodeId);
        break;
      }
      case 'dead':
      case 'left':
        this.suspicions.delete(u.nodeId);
        this.store(member, u.state, events);
        break;
    }
    // Passing on the very object we received (it is never modified) keeps a thousand simulated
    // members from holding a thousand copies of the same news.
    this.queue.enqueue(u.from === from ? u : toUpdate(member, from));
  }

  /**
   * A pushed member list. Another node's accusation (suspect or dead) of a member we hold live
   * is only hearsay from a node that may have been cut off from it: we suspect the member
   * quietly (full timeout, not gossiped) and the caller tells the member directly. If it is
   * alive it refutes at once; if not, our own timer declares it dead. This is what keeps a
   * healed partition from killing half the cluster on the word of the other half, where
   * memberlist's "dead becomes suspect" would collect one confirmation per pushing node.
   * Returns the members accused this way.
   */
  merge(list: readonly MemberUpdate[], senderId: string, now: number, events: MembershipEvent[]): string[] {
    const accused: string[] = [];
    for (const u of list) {
      if (!isBelievableIncarnation(u, now)) {
        this.hooks.implausible?.(u);
        continue;
      }
      const known = u.nodeId === this.me.nodeId ? undefined : this.table.get(u.nodeId);
      if ((u.state === 'dead' || u.state === 'suspect') && known && isLive(known.state) && u.incarnation >= known.incarnation) {
        if (u.incarnation > known.incarnation || known.state === 'alive') {
          this.suspectQuietly(known, u.incarnation, senderId, now, events);
          accused.push(u.nodeId);
        }
      } else if (u.state === 'suspect' && !known && u.nodeId !== this.me.nodeId) {
        // A stranger someone suspects is still a member to us until our own probes say otherwise.
        this.apply({ nodeId: u.nodeId, address: u.address, state: 'alive', incarnation: u.incarnation }, now, events);
      } else {
        this.apply(u, now, events, senderId);
      }
    }
    return accused;
  }

  private suspectQuietly(known: Member, incarnation: number, suspector: string, now: number, events: MembershipEvent[]): void {
    const suspicion = new Suspicion(incarnation, now, suspector, this.bounds());
    this.suspicions.set(known.nodeId, suspicion);
    this.nextExpiry = Math.min(this.nextExpiry, suspicion.expiresAt());
    this.store({ ...known, state: 'suspect', incarnation, lastChange: now }, 'suspect', events);
    this.hooks.suspectedByOthers(known.nodeId);
  }

  /** Our own probe of `nodeId` failed. */
  suspectFromProbe(nodeId: string, now: number, events: MembershipEvent[]): void {
    const m = this.table.get(nodeId);
    if (!m || !isLive(m.state)) return;
    this.apply({ nodeId, address: m.address, state: 'suspect', incarnation: m.incarnation, from: this.me.nodeId }, now, events);
  }

  /** Suspicions whose time ran out become deaths, which we announce. */
  expire(now: number, events: MembershipEvent[]): void {
    if (now < this.nextExpiry) return;
    this.nextExpiry = Number.POSITIVE_INFINITY;
    for (const [nodeId, s] of this.suspicions) {
      if (now < s.expiresAt()) {
        this.nextExpiry = Math.min(this.nextExpiry, s.expiresAt());
        continue;
      }
      const m = this.table.get(nodeId);
      this.suspicions.delete(nodeId);
      if (!m || m.state !== 'suspect' || m.incarnation !== s.incarnation) continue;
      this.apply({ nodeId, address: m.address, state: 'dead', incarnation: m.incarnation, from: this.me.nodeId }, now, events);
    }
  }

  /** After our own stall, refutations may be sitting unread: no death before `until`. */
  postponeSuspicions(until: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.suspicions.values()) {
      s.postpone(until);
      next = Math.min(next, s.expiresAt());
    }
    this.nextExpiry = next;
  }

  suspicionOf(nodeId: string): Suspicion | undefined {
    return this.suspicions.get(nodeId);
  }

  /** Graceful leave: "left" at a new incarnation outranks every suspicion of the old one. */
  leave(now: number): void {
    if (this.me.state === 'left') return;
    this.me = { ...this.me, state: 'left', incarnation: this.me.incarnation + 1, lastChange: now };
    this.queue.enqueue(toUpdate(this.me));
  }

  /** We now advertise another address: a new incarnation makes everyone take it. */
  moveTo(address: string, now: number): void {
    if (address === this.me.address) return;
    this.me = { ...this.me, address, incarnation: this.me.incarnation + 1, lastChange: now };
    this.queue.enqueue(toUpdate(this.me));
  }

  private applyAboutSelf(u: MemberUpdate, now: number): void {
    const me = this.me;
    if (me.state === 'left') {
      // Left is final; make sure whoever still thinks otherwise hears it again.
      if (u.state !== 'left' || u.incarnation < me.incarnation) {
        if (u.incarnation >= me.incarnation) this.me = { ...me, incarnation: u.incarnation + 1, lastChange: now };
        this.queue.enqueue(toUpdate(this.me));
      }
      return;
    }
    const accused = u.state !== 'alive';
    if (u.incarnation > me.incarnation || (u.incarnation === me.incarnation && accused)) {
      // Refute (SWIM 4.2): only we may raise our incarnation, and the new one beats the accusation.
      this.me = { ...me, state: 'alive', incarnation: u.incarnation + 1, lastChange: now };
      this.queue.enqueue(toUpdate(this.me));
      if (accused) this.hooks.refuted();
    }
  }

  /**
   * A death is taken on hearsay only once we have suspected the member ourselves for half the
   * minimum suspicion timeout: long enough for a refutation to have reached us if there was one.
   */
  private tooSoonForHearsayDeath(known: Member, incarnation: number, now: number): boolean {
    if (incarnation !== known.incarnation) return false;
    if (known.state === 'alive') return true;
    const s = this.suspicions.get(known.nodeId);
    return known.state === 'suspect' && s !== undefined && now - s.startedAt < this.bounds().minMs / 2;
  }

  private store(member: Member, type: MembershipEvent['type'] | undefined, events: MembershipEvent[]): void {
    this.table.set(member);
    if (type) events.push({ type, member });
  }
}
