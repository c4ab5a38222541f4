/**
 * Membership: the Nest shell around the SWIM state machine (swim/membership-state.ts).
 *
 * The core is pure; this shell owns what it must not: a timer that ticks it, the transport
 * that carries its messages (`gossip.swim` events over our TCP protocol; a refused connection
 * is reported back at once as a failed send), how late its own ticks run (the event-loop lag
 * it uses for local health), the database where members are kept across restarts, and the log
 * lines and events the rest of the node reads, and the key pins its member updates carry
 * (member-keys.ts). A restarted node starts with an incarnation above any it had before
 * (seconds since the epoch), so stale suspicions about it are overridden.
 *
 * The facade the storage layer uses: `placementIds()`, `repairPlacementIds()`, `addressOf()`,
 * `alive()`, `list()` and the `changes` events (joined, alive, suspect, dead, left, recovered,
 * updated).
 */
import { EventEmitter } from 'node:events';
import { RateLimitedLog } from '../common/rate-limited-log';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { describeError } from '../common/errors';
import { PeerRepository } from '../peer-repository/peer.repository';
import { PeerConnectionPool } from '../transport/connection-pool';
import { NodeIdentity } from '../transport/node-identity';
import { RemotePeer } from '../transport/handshake/handshake';
import { HandshakeFailedError } from '../transport/transport.errors';
import { SwimConfig } from './gossip.presets';
import { MEMBERSHIP_CHANGE, MemberView, MembershipChange } from './membership.types';
import { Member } from './swim/member';
import { SwimMembership, SwimOutput } from './swim/membership-state';
import { SwimMessage, isSwimMessage } from './swim/messages';
import { MEMBER_KEYS, MemberKeys, learnKeys, withKeys } from './member-keys';

export const SWIM_PATTERN = 'gossip.swim';
/** Members whose state changed are written to the database at most this often. */
const PERSIST_EVERY_MS = 1000;
/**
 * Every member, with when we last heard from it, is written this often (and on leave/stop):
 * contact alone is not worth a database write per second, which at 50 members was most of an
 * idle node's work.
 */
const PERSIST_ALL_EVERY_MS = 60_000;
/**
 * Event-loop lag is reported to the core about once a second: the most any tick ran late in
 * that second. The tick timer is the lag sampler. It runs every 25-100 ms, so any stall at or
 * above the profile's lag threshold (150-200 ms) makes a tick late by about that much, and a
 * separate sampling timer would only add wake-ups: each costs an idle node 60-75 us of CPU.
 */
const LAG_REPORT_EVERY_MS = 1000;
/** After announcing `left`, keep ticking this many gossip intervals so the news is retransmitted. */
const LEAVE_GOSSIP_INTERVALS = 4;
/** How often the table is checked for members gone longer than forgetAfterMs. */
const FORGET_EVERY_MS = 10_000;

@Injectable()
export class MembershipService implements OnModuleDestroy {
  readonly changes = new EventEmitter();
  private swim: SwimMembership | undefined;
  private readonly config: SwimConfig;
  /** When this node last heard from each member (SWIM tracks state changes, not contact). */
  private readonly lastSeen = new Map<string, number>();
  private readonly incarnation = Math.floor(Date.now() / 1000);
  private timer: NodeJS.Timeout | undefined;
  /** When the pending tick is due, and the most a tick ran late since the last lag report. */
  private tickDueAt = 0;
  private lastForget = 0;
  /** Members that have a row in the database (loaded or written by this run). */
  private readonly stored = new Set<string>();
  private worstTickLateness = 0;
  private lastPersist = 0;
  private lastPersistAll = 0;
  private lastLagReport = 0;
  /** Members whose state changed since the last write. */
  private readonly changed = new Set<string>();
  private stopped = false;
  private readonly logger = new Logger('Gossip');
  private readonly refusals = new RateLimitedLog((line) => this.logger.warn(line));
  /** Addresses whose handshake refused this node (address -> reason), until a send to them succeeds. */
  private readonly refusedBy = new Map<string, string>();

  /** Gossiped keys that differ from a pin: logged at most 10 times a minute. */
  private readonly keyConflicts = new RateLimitedLog((line) => this.logger.warn(line));

  constructor(
    @Inject(NODE_CONFIG) private readonly nodeConfig: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly pool: PeerConnectionPool,
    private readonly peers: PeerRepository,
    @Inject(MEMBER_KEYS) private readonly keys: MemberKeys,
  ) {
    this.config = nodeConfig.gossip;
  }

  /** Loads stored peers, joins through --bootstrap, starts ticking. Called once the listener is bound. */
  async start(): Promise<void> {
    const now = Date.now();
    const known: Member[] = [];
    for (const p of await this.peers.list()) {
      if (p.nodeId === this.identity.nodeId) continue;
      known.push({ nodeId: p.nodeId, address: p.address, state: p.status, incarnation: p.incarnation, lastChange: p.lastSeen });
      this.lastSeen.set(p.nodeId, p.lastSeen);
      this.stored.add(p.nodeId);
    }
    this.swim = new SwimMembership({ self: { nodeId: this.identity.nodeId, address: this.identity.advertise, incarnation: this.incarnation }, config: this.config, now, known });
    const seeds = [...new Set([...this.nodeConfig.bootstrap, ...known.filter((m) => m.state !== 'left').map((m) => m.address)])];
    this.dispatch(this.swim.join(seeds, now));
    this.lastLagReport = now;
    this.schedule();
    // Give the first exchanges a moment, so `ready` usually means "joined".
    if (seeds.length) await this.untilChange(() => this.alive().length > 0, Math.min(2000, this.config.probeIntervalMs * 4));
  }

  /**
   * Why this node cannot join, when that is known: every --bootstrap peer refused its handshake
   * (a different cluster secret or id) and no member is alive. "addr: reason; ..." or undefined.
   */
  refusedByEveryBootstrap(): string | undefined {
    const seeds = this.nodeConfig.bootstrap;
    if (seeds.length === 0 || this.alive().length > 0 || !seeds.every((s) => this.refusedBy.has(s))) return undefined;
    return seeds.map((s) => `${s}: ${this.refusedBy.get(s)}`).join('; ');
  }

  self(): MemberView {
    return { nodeId: this.identity.nodeId, address: this.identity.advertise, status: 'alive', incarnation: this.swim?.self().incarnation ?? this.incarnation, lastSeen: Date.now() };
  }

  /** Every member known, except this node. */
  list(): MemberView[] {
    return (this.swim?.members() ?? [])
      .map((m) => ({ nodeId: m.nodeId, address: m.address, status: m.state, incarnation: m.incarnation, lastSeen: this.lastSeen.get(m.nodeId) ?? m.lastChange }))
      // Plain code-unit order: stable everywhere and needs no ICU collation data.
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  alive(): MemberView[] {
    return this.list().filter((m) => m.status === 'alive');
  }

  /** Node ids that placement may choose from: this node and every alive member. */
  placementIds(): string[] {
    return [this.identity.nodeId, ...this.alive().map((m) => m.nodeId)];
  }

  /**
   * Node ids placement would pick from if every known member that has not left were up: what a
   * write quorum is measured against, so a dead holder is a missing confirmation rather than a
   * smaller quorum (a member is forgotten only once it left or was cleaned up).
   */
  knownIds(): string[] {
    return [this.identity.nodeId, ...this.list().filter((m) => m.status !== 'left').map((m) => m.nodeId)];
  }

  /** This node and every member not known to be down (alive or only suspected): worth asking. */
  upIds(): string[] {
    return [this.identity.nodeId, ...this.list().filter((m) => m.status === 'alive' || m.status === 'suspect').map((m) => m.nodeId)];
  }

  /**
   * Node ids that still count for placement when deciding what to repair: alive members plus
   * members gone for less than `graceMs` (a restart or a short partition should not move data).
   * A member that left is never counted.
   */
  repairPlacementIds(graceMs: number, now = Date.now()): string[] {
    const recent = this.list().filter((m) => (m.status === 'suspect' || m.status === 'dead') && now - m.lastSeen < graceMs);
    return [...this.placementIds(), ...recent.map((m) => m.nodeId)];
  }

  addressOf(nodeId: string): string | undefined {
    if (nodeId === this.identity.nodeId) return this.identity.advertise;
    return this.swim?.get(nodeId)?.address;
  }

  /** A SWIM message from another node (clients are not members and are ignored). */
  onMessage(message: unknown, peer: RemotePeer): void {
    if (!this.swim || this.stopped || peer.role !== 'peer' || !isSwimMessage(message)) return;
    if (message.from.nodeId !== peer.nodeId) return; // a member speaks only for itself
    this.lastSeen.set(peer.nodeId, Date.now());
    for (const c of learnKeys(message, this.keys, this.identity.nodeId)) {
      this.keyConflicts.note(
        `key conflict: ${peer.advertise} (${peer.nodeId.slice(0, 8)}) gossiped key ${c.heard.slice(0, 16)}… for node ${c.nodeId}, pinned here as ${c.pinned.slice(0, 16)}…; the pin stays (if that node was re-keyed on purpose: p2p peers --forget ${c.nodeId} on every node)`,
      );
    }
    const implausible = this.swim.implausibleNews;
    this.dispatch(this.swim.receive(message, Date.now()));
    if (this.swim.implausibleNews > implausible) {
      this.refusals.note(`ignored membership news from ${peer.advertise} (${peer.nodeId.slice(0, 8)}): an incarnation more than an hour ahead of this node's clock`);
    }
  }

  /**
   * Announces that this node leaves, keeps ticking for a few gossip intervals so the news is
   * retransmitted, then stops (bounded: about half a second in lan).
   */
  async leave(): Promise<void> {
    if (!this.swim || this.stopped) return;
    const sends = this.dispatch(this.swim.leave(Date.now()));
    const settle = Math.min(2000, LEAVE_GOSSIP_INTERVALS * this.config.gossipIntervalMs);
    await Promise.all([
      Promise.race([Promise.allSettled(sends), new Promise((r) => setTimeout(r, settle).unref())]),
      new Promise((r) => setTimeout(r, settle).unref()),
    ]);
    this.stopTimer();
    this.stopped = true;
    await this.persist(true);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.stopTimer();
    await this.persist(true).catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped || !this.swim) return;
    this.tickDueAt = Date.now() + this.config.tickMs;
    this.timer = setTimeout(() => {
      try {
        const now = Date.now();
        this.worstTickLateness = Math.max(this.worstTickLateness, now - this.tickDueAt);
        if (now - this.lastLagReport >= LAG_REPORT_EVERY_MS) {
          this.swim!.reportLocalLag(this.worstTickLateness, now);
          this.worstTickLateness = 0;
          this.lastLagReport = now;
        }
        if (this.identity.advertise !== this.swim!.self().address) this.swim!.updateAddress(this.identity.advertise, now);
        this.dispatch(this.swim!.tick(now));
        this.forgetGone(now);
        void this.persist().catch((err) => this.logger.warn(`${this.tag()} could not store peers: ${describeError(err)}`));
      } finally {
        this.schedule();
      }
    }, this.config.tickMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends what the core asked for and publishes its events; returns the sends in flight. */
  private dispatch(out: SwimOutput): Array<Promise<void>> {
    const self = { nodeId: this.identity.nodeId, fingerprint: this.identity.fingerprint };
    const sends = out.send.map(({ to, message }) =>
      this.pool.emit(to, SWIM_PATTERN, withKeys(message, this.keys, self)).then(
        () => void this.refusedBy.delete(to),
        (err) => {
          if (err instanceof HandshakeFailedError) this.refusedBy.set(to, err.reason);
          if (this.swim && !this.stopped) this.dispatch(this.swim.sendFailed(to, message as SwimMessage, Date.now()));
        },
      ),
    );
    let discovered = 0;
    for (const e of out.events) {
      this.changed.add(e.member.nodeId);
      const member: MemberView = { nodeId: e.member.nodeId, address: e.member.address, status: e.member.state, incarnation: e.member.incarnation, lastSeen: this.lastSeen.get(e.member.nodeId) ?? e.member.lastChange };
      this.describe(e.type, member) && (discovered += 1);
      this.changes.emit(MEMBERSHIP_CHANGE, { type: e.type, member } satisfies MembershipChange);
    }
    if (discovered > 0) this.logger.log(`${this.tag()} Peer discovery: connected to ${discovered} new peer(s)`);
    return sends;
  }

  /** One log line per membership event; true for a newly discovered (non-bootstrap) peer. */
  private describe(type: MembershipChange['type'], m: MemberView): boolean {
    switch (type) {
      case 'joined': {
        const bootstrap = this.isBootstrap(m);
        this.logger.log(`${this.tag()} Connected to ${bootstrap ? 'bootstrap' : 'discovered'} peer ${m.address}`);
        return !bootstrap;
      }
      case 'suspect':
        this.logger.warn(`${this.tag()} Peer ${m.address} is suspected (no ack, incarnation ${m.incarnation})`);
        return false;
      case 'dead':
        this.logger.warn(`${this.tag()} Peer ${m.address} declared dead`);
        return false;
      case 'left':
        this.logger.log(`${this.tag()} Peer ${m.address} left the cluster`);
        return false;
      case 'recovered':
      case 'alive':
        this.logger.log(`${this.tag()} Peer ${m.address} is alive${type === 'recovered' ? ' again' : ''}`);
        return false;
      default:
        return false;
    }
  }

  /**
   * Whether `m` is a --bootstrap peer: named as it advertises itself, or the node that answered
   * at a bootstrap address under another name (`localhost:4000` for 127.0.0.1:4000): its first
   * news normally answers this node's join, over the connection that knows who answered.
   */
  private isBootstrap(m: MemberView): boolean {
    const seeds = this.nodeConfig.bootstrap;
    return seeds.includes(m.address) || seeds.some((s) => this.pool.remoteAt(s)?.nodeId === m.nodeId);
  }

  /** Writes the members that changed (at most once a second), or all of them when due or forced. */
  private async persist(force = false): Promise<void> {
    const now = Date.now();
    const all = force || now - this.lastPersistAll >= PERSIST_ALL_EVERY_MS;
    if (!all && (this.changed.size === 0 || now - this.lastPersist < PERSIST_EVERY_MS)) return;
    const members = all ? this.list() : this.list().filter((m) => this.changed.has(m.nodeId));
    this.changed.clear();
    this.lastPersist = now;
    if (all) this.lastPersistAll = now;
    // A member that is gone and whose row was removed (`p2p cleanup`) is forgotten, not written back.
    const gone = (m: MemberView) => (m.status === 'dead' || m.status === 'left') && this.stored.has(m.nodeId);
    const write = members.filter((m) => !gone(m));
    await this.peers.upsertMany(write);
    write.forEach((m) => this.stored.add(m.nodeId));
    const removed = await this.peers.updateExisting(members.filter(gone));
    this.forgotten(this.swim?.forget(now, removed) ?? []);
  }

  /** Forgets members gone longer than forgetAfterMs, in memory and in the database. */
  private forgetGone(now: number): void {
    if (now - this.lastForget < FORGET_EVERY_MS || !this.swim) return;
    this.lastForget = now;
    const gone = this.swim.forget(now);
    this.forgotten(gone);
    void this.peers.deleteMany(gone).catch((err) => this.logger.warn(`${this.tag()} could not remove forgotten peers: ${describeError(err)}`));
  }

  private forgotten(ids: string[]): void {
    for (const id of ids) {
      this.stored.delete(id);
      this.lastSeen.delete(id);
      this.changed.delete(id);
    }
    if (ids.length) this.logger.log(`${this.tag()} forgot ${ids.length} member(s) gone for good`);
  }

  /** Resolves once `condition` holds after a membership change, or after `timeoutMs`. */
  private untilChange(condition: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => condition() && done();
      const done = () => {
        clearTimeout(timer);
        this.changes.off(MEMBERSHIP_CHANGE, check);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.changes.on(MEMBERSHIP_CHANGE, check);
      check();
    });
  }

  /** The seed's log prefix: "[:5000]". */
  private tag(): string {
    return `[:${this.identity.advertise.split(':').pop()}]`;
  }
}
