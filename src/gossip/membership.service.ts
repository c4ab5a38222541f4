/**
 * Membership: who is in the cluster and who is alive, as this node sees it.
 *
 * Discovery is a push-pull peer exchange: on start a node exchanges its full member list with
 * every bootstrap address and every peer stored in its database, then with one member per
 * interval; a member heard of for the first time is contacted at once, so news of a join
 * crosses the cluster in a few round trips. Liveness is judged by direct contact: a member
 * that fails `deadAfterFailures` contacts in a row is dead, retried with exponential backoff,
 * and alive again as soon as it answers. A node that shuts down announces `left`.
 *
 * Everything the storage layer needs is on this facade: `placementIds()`, `addressOf()` and
 * the `changes` events (joined, alive, dead, left, updated).
 */
import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { describeError } from '../common/errors';
import { PeerRepository } from '../peer-repository/peer.repository';
import { PeerConnectionPool } from '../transport/connection-pool';
import { NodeIdentity } from '../transport/node-identity';
import { RemotePeer } from '../transport/handshake/handshake';
import { EXCHANGE_TIMINGS, ExchangeTimings } from './gossip.timings';
import { MEMBERSHIP_CHANGE, MemberStatus, MemberView, MembershipChange } from './membership.types';
import { isValidReport, mergeReports } from './peer-exchange';

export interface ExchangeMessage {
  from: MemberView;
  members: MemberView[];
}

interface ContactState {
  failures: number;
  nextAttemptAt: number;
}

@Injectable()
export class MembershipService implements OnModuleDestroy {
  readonly changes = new EventEmitter();
  private members = new Map<string, MemberView>();
  private readonly contact = new Map<string, ContactState>();
  private readonly timings: ExchangeTimings;
  /** Seconds at start: a restarted node outranks what others remember of its previous run. */
  private readonly incarnation = Math.floor(Date.now() / 1000);
  private timer: NodeJS.Timeout | undefined;
  /** While no member is alive, bootstrap addresses are retried with backoff (peers may start later). */
  private bootstrapFailures = 0;
  private bootstrapRetryAt = 0;
  private dirty = false;
  private stopped = false;
  private readonly logger = new Logger('Gossip');

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly pool: PeerConnectionPool,
    private readonly peers: PeerRepository,
  ) {
    this.timings = EXCHANGE_TIMINGS[config.gossipProfile];
  }

  /** Loads stored peers and starts exchanging. Called once the p2p listener is bound. */
  async start(): Promise<void> {
    for (const p of await this.peers.list()) {
      if (p.nodeId === this.identity.nodeId) continue;
      // What we stored is history: nobody is alive until it answers us again.
      const status: MemberStatus = p.status === 'left' ? 'left' : 'suspect';
      this.members.set(p.nodeId, { ...p, status });
    }
    const seeds = new Set([...this.config.bootstrap, ...[...this.members.values()].filter((m) => m.status !== 'left').map((m) => m.address)]);
    await Promise.all([...seeds].map((address) => this.exchange(address, this.config.bootstrap.includes(address) ? 'bootstrap' : 'stored')));
    this.schedule();
  }

  self(): MemberView {
    return { nodeId: this.identity.nodeId, address: this.identity.advertise, status: 'alive', incarnation: this.incarnation, lastSeen: Date.now() };
  }

  /** Every member known, except this node. */
  list(): MemberView[] {
    return [...this.members.values()].sort((a, b) => a.address.localeCompare(b.address));
  }

  alive(): MemberView[] {
    return this.list().filter((m) => m.status === 'alive');
  }

  /** Node ids that placement may choose from: this node and every alive member. */
  placementIds(): string[] {
    return [this.identity.nodeId, ...this.alive().map((m) => m.nodeId)];
  }

  /**
   * Node ids that still count for placement when deciding what to repair: alive members plus
   * members gone for less than `graceMs` (a restart or a short partition should not move data).
   * A member that left is never counted.
   */
  repairPlacementIds(graceMs: number, now = Date.now()): string[] {
    const recent = this.list().filter((m) => m.status !== 'alive' && m.status !== 'left' && now - m.lastSeen < graceMs);
    return [...this.placementIds(), ...recent.map((m) => m.nodeId)];
  }

  addressOf(nodeId: string): string | undefined {
    if (nodeId === this.identity.nodeId) return this.identity.advertise;
    return this.members.get(nodeId)?.address;
  }

  /** A peer sent us its member list: merge it, note the sender is alive, answer with ours. */
  onExchange(message: unknown, peer: RemotePeer): ExchangeMessage {
    if (peer.role === 'peer') {
      const m = message as Partial<ExchangeMessage> | null;
      const from = m && isValidReport(m.from) ? m.from : undefined;
      this.markAlive(peer.nodeId, peer.advertise, from?.incarnation ?? 0);
      if (m && Array.isArray(m.members)) this.absorb(m.members.slice(0, 10_000));
    }
    return { from: this.self(), members: this.list() };
  }

  /** A member announced it is leaving. */
  onLeave(peer: RemotePeer, message: unknown): void {
    const known = this.members.get(peer.nodeId);
    if (!known || known.status === 'left') return;
    const incarnation = Number((message as { incarnation?: unknown } | null)?.incarnation);
    const next: MemberView = { ...known, status: 'left', incarnation: Math.max(known.incarnation, Number.isSafeInteger(incarnation) ? incarnation : 0) };
    this.members.set(peer.nodeId, next);
    this.dirty = true;
    this.logger.log(`${this.tag()} Peer ${next.address} left the cluster`);
    this.emitChange({ type: 'left', member: next });
  }

  /** Tells every alive member we are leaving, within a bounded wait. */
  async leave(): Promise<void> {
    this.stopTimer();
    const note = { incarnation: this.incarnation };
    await Promise.race([
      Promise.allSettled(this.alive().map((m) => this.pool.emit(m.address, 'gossip.leave', note))),
      new Promise((resolve) => setTimeout(resolve, this.timings.leaveTimeoutMs).unref()),
    ]);
    await this.persist();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.stopTimer();
    await this.persist().catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err) => this.logger.warn(`${this.tag()} gossip round failed: ${describeError(err)}`))
        .finally(() => this.schedule());
    }, this.timings.intervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    if (this.config.bootstrap.length > 0 && this.alive().length === 0 && now >= this.bootstrapRetryAt) {
      await Promise.all(this.config.bootstrap.map((address) => this.exchange(address, 'bootstrap')));
      this.bootstrapFailures = this.alive().length > 0 ? 0 : this.bootstrapFailures + 1;
      const backoff = Math.min(this.timings.maxBackoffMs, this.timings.baseBackoffMs * 2 ** Math.min(this.bootstrapFailures, 10));
      this.bootstrapRetryAt = now + backoff;
    }
    const due = this.list().filter((m) => m.status !== 'left' && (this.contact.get(m.nodeId)?.nextAttemptAt ?? 0) <= now);
    if (due.length > 0) {
      const target = due[Math.floor(Math.random() * due.length)];
      await this.exchange(target.address, 'member', target.nodeId);
    }
    await this.persist();
  }

  private async exchange(address: string, kind: 'bootstrap' | 'stored' | 'member' | 'discovered', expectedId?: string): Promise<void> {
    if (address === this.identity.advertise) return;
    try {
      const reply = await this.pool.request<ExchangeMessage>(
        address,
        'gossip.exchange',
        { from: this.self(), members: this.list() },
        this.timings.requestTimeoutMs,
      );
      const remote = await this.pool.connect(address);
      if (expectedId && remote.nodeId !== expectedId) {
        // Another node now answers at this address: the old one is gone from it.
        this.recordFailure(expectedId);
      }
      const wasKnownAlive = this.members.get(remote.nodeId)?.status === 'alive';
      this.markAlive(remote.nodeId, remote.advertise, isValidReport(reply?.from) ? reply.from.incarnation : 0);
      if (!wasKnownAlive && (kind === 'bootstrap' || kind === 'discovered')) {
        this.logger.log(`${this.tag()} Connected to ${kind === 'bootstrap' ? 'bootstrap' : 'discovered'} peer ${remote.advertise}`);
      }
      const found = this.absorb(Array.isArray(reply?.members) ? reply.members.slice(0, 10_000) : []);
      if (found.length > 0) {
        await Promise.all(found.map((m) => this.exchange(m.address, 'discovered', m.nodeId)));
        const connected = found.filter((m) => this.members.get(m.nodeId)?.status === 'alive').length;
        this.logger.log(`${this.tag()} Peer discovery: connected to ${connected} new peer(s)`);
      }
    } catch (err) {
      if (expectedId) this.recordFailure(expectedId);
      this.logger.debug(`${this.tag()} exchange with ${address} failed: ${describeError(err)}`);
      if (kind === 'bootstrap') this.logger.warn(`${this.tag()} Bootstrap peer ${address} unreachable: ${describeError(err)}`);
    }
  }

  /** Merges reports; returns the members heard of for the first time. */
  private absorb(reports: unknown[]): MemberView[] {
    const merged = mergeReports(this.members, reports.filter(isValidReport), this.identity.nodeId);
    if (merged.changes.length || merged.discovered.length || merged.members.size !== this.members.size) this.dirty = true;
    this.members = merged.members;
    merged.changes.forEach((c) => this.emitChange(c));
    return merged.discovered;
  }

  private markAlive(nodeId: string, address: string, incarnation: number): void {
    if (nodeId === this.identity.nodeId) return;
    const known = this.members.get(nodeId);
    this.contact.delete(nodeId);
    const next: MemberView = {
      nodeId,
      address: address || known?.address || '',
      status: 'alive',
      incarnation: Math.max(incarnation, known?.incarnation ?? 0),
      lastSeen: Date.now(),
    };
    this.members.set(nodeId, next);
    this.dirty = true;
    if (!known) this.emitChange({ type: 'joined', member: next });
    else if (known.status === 'dead' || known.status === 'left') this.emitChange({ type: 'recovered', member: next });
    else if (known.status !== 'alive') this.emitChange({ type: 'alive', member: next });
    else if (known.address !== next.address) this.emitChange({ type: 'updated', member: next });
  }

  private recordFailure(nodeId: string): void {
    const state = this.contact.get(nodeId) ?? { failures: 0, nextAttemptAt: 0 };
    state.failures += 1;
    const backoff = Math.min(this.timings.maxBackoffMs, this.timings.baseBackoffMs * 2 ** (state.failures - 1));
    state.nextAttemptAt = Date.now() + backoff;
    this.contact.set(nodeId, state);
    const known = this.members.get(nodeId);
    if (!known || known.status === 'left' || known.status === 'dead') return;
    const status: MemberStatus = state.failures >= this.timings.deadAfterFailures ? 'dead' : 'suspect';
    if (status === known.status) return;
    const next = { ...known, status };
    this.members.set(nodeId, next);
    this.dirty = true;
    if (status === 'dead') this.logger.warn(`${this.tag()} Peer ${known.address} is not answering: marked dead`);
    this.emitChange({ type: status, member: next });
  }

  private emitChange(change: MembershipChange): void {
    this.changes.emit(MEMBERSHIP_CHANGE, change);
  }

  private async persist(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.peers.upsertMany(this.list());
  }

  /** The seed's log prefix: "[:5000]". */
  private tag(): string {
    return `[:${this.identity.advertise.split(':').pop()}]`;
  }
}
