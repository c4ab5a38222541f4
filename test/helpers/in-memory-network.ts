/**
 * A deterministic simulated network for SWIM: many SwimMembership instances in one process,
 * a fake clock, and one event queue of message deliveries and node ticks.
 *
 * Everything random (loss, delays, every node's own choices) comes from seeded generators, so a
 * run is reproducible from its seed. Faults:
 *  - loss: each message is dropped with probability `lossRate`;
 *  - delay: each message takes a uniform random time in [minDelayMs, maxDelayMs];
 *  - crash: the node stops ticking and nothing more is delivered to or from it;
 *  - pause: the node stops ticking and its incoming messages wait in a backlog, as for a
 *    process stopped with SIGSTOP; on resume it ticks once (seeing how late it is) and then
 *    reads the backlog, as Node's event loop would;
 *  - partition: nodes in different groups cannot exchange messages until `heal()`.
 * A message to an address nobody has gets `sendFailed` (connection refused).
 *
 * The event queue is a binary heap over slot indexes with the payload in typed arrays: at
 * 1,000 nodes it holds tens of thousands of pending events and is the simulator's hot path.
 */
import type { SwimConfig } from '../../src/gossip/gossip.presets';
import type { Member } from '../../src/gossip/swim/member';
import { SwimMembership } from '../../src/gossip/swim/membership-state';
import { isSwimMessage, SwimMessage } from '../../src/gossip/swim/messages';
import type { MembershipEvent, SwimOutput } from '../../src/gossip/swim/output';

/** mulberry32: small, fast, good enough for simulation, and seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NetworkOptions {
  seed: number;
  config: SwimConfig;
  lossRate?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Check every delivered message with isSwimMessage after a JSON round trip (slower). */
  validateMessages?: boolean;
  startAt?: number;
}

export type EventListener = (observer: number, event: MembershipEvent, now: number) => void;
export type SendListener = (src: number, message: SwimMessage, now: number) => void;

const TICK = 0;
const DELIVER = 1;

export class InMemoryNetwork {
  readonly nodes: SwimMembership[] = [];
  readonly nodeIds: string[] = [];
  readonly addresses: string[] = [];
  now: number;
  readonly stats = { sent: 0, delivered: 0, dropped: 0, invalid: 0, updatesCarried: 0 };

  private readonly rand: () => number;
  private readonly byAddress = new Map<string, number>();
  private crashed = new Uint8Array(16);
  private paused = new Uint8Array(16);
  private group = new Int32Array(16);
  private readonly backlog = new Map<number, Array<{ src: number; msg: SwimMessage }>>();
  private readonly listeners: EventListener[] = [];
  private readonly sendListeners: SendListener[] = [];

  // Event queue: a heap of slots; each slot holds one tick or delivery.
  private heap = new Int32Array(1024);
  private heapSize = 0;
  private time = new Float64Array(1024);
  private order = new Float64Array(1024);
  private kind = new Uint8Array(1024);
  private node = new Int32Array(1024);
  private src = new Int32Array(1024);
  private payload: Array<SwimMessage | undefined> = new Array(1024);
  private free: number[] = [];
  private nextSlot = 0;
  private counter = 0;

  constructor(private readonly opts: NetworkOptions) {
    this.rand = seededRandom(opts.seed);
    this.now = opts.startAt ?? 1_000_000;
  }

  /** n nodes that already know each other (as if restored from their databases). */
  static cluster(n: number, opts: NetworkOptions): InMemoryNetwork {
    const net = new InMemoryNetwork(opts);
    const everyone: Member[] = [];
    for (let i = 0; i < n; i++) {
      everyone.push({ nodeId: nodeIdOf(i), address: addressOf(i), state: 'alive', incarnation: 0, lastChange: net.now });
    }
    for (let i = 0; i < n; i++) net.addNode(everyone.filter((m) => m.nodeId !== everyone[i].nodeId));
    return net;
  }

  addNode(known: Member[] = []): number {
    const i = this.nodes.length;
    const swim = new SwimMembership({
      self: { nodeId: nodeIdOf(i), address: addressOf(i), incarnation: 0 },
      config: this.opts.config,
      now: this.now,
      random: seededRandom((this.opts.seed * 7919 + i * 104_729) >>> 0),
      known,
    });
    this.nodes.push(swim);
    this.nodeIds.push(nodeIdOf(i));
    this.addresses.push(addressOf(i));
    this.byAddress.set(addressOf(i), i);
    this.ensureNodeCapacity(i + 1);
    this.schedule(this.now + Math.floor(this.rand() * this.opts.config.tickMs), TICK, i, -1, undefined);
    return i;
  }

  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  /** Sees every message a node sends, before loss or partitions apply. */
  onSend(listener: SendListener): void {
    this.sendListeners.push(listener);
  }

  join(i: number, seeds: number[]): void {
    this.dispatch(i, this.nodes[i].join(seeds.map((s) => this.addresses[s]), this.now));
  }

  leave(i: number): void {
    this.dispatch(i, this.nodes[i].leave(this.now));
  }

  crash(i: number): void {
    this.crashed[i] = 1;
  }

  isCrashed(i: number): boolean {
    return this.crashed[i] === 1;
  }

  pause(i: number): void {
    this.paused[i] = 1;
  }

  resume(i: number): void {
    this.paused[i] = 0;
    this.dispatch(i, this.nodes[i].tick(this.now));
    const waiting = this.backlog.get(i) ?? [];
    this.backlog.delete(i);
    for (const { msg } of waiting) this.deliverNow(i, msg);
  }

  /** Each inner list is one side; nodes not named stay in group 0. */
  partition(groups: number[][]): void {
    groups.forEach((g, k) => g.forEach((i) => (this.group[i] = k + 1)));
  }

  heal(): void {
    this.group.fill(0);
  }

  /** Processes every event up to `until` (inclusive). */
  runUntilTime(until: number): void {
    while (this.heapSize > 0) {
      const slot = this.heap[0];
      if (this.time[slot] > until) break;
      this.popTop();
      this.now = Math.max(this.now, this.time[slot]);
      const k = this.kind[slot];
      const n = this.node[slot];
      const s = this.src[slot];
      const msg = this.payload[slot];
      this.payload[slot] = undefined;
      this.free.push(slot);
      if (k === TICK) this.onTick(n);
      else this.deliver(s, n, msg!);
    }
    this.now = Math.max(this.now, until);
  }

  runFor(ms: number): void {
    this.runUntilTime(this.now + ms);
  }

  /** Runs until `done()` holds, checking every `checkEveryMs`; returns the time it took or undefined. */
  runUntil(done: () => boolean, timeoutMs: number, checkEveryMs = 50): number | undefined {
    const start = this.now;
    while (this.now - start <= timeoutMs) {
      if (done()) return this.now - start;
      this.runFor(checkEveryMs);
    }
    return done() ? this.now - start : undefined;
  }

  private onTick(i: number): void {
    if (this.crashed[i]) return;
    this.schedule(this.now + this.opts.config.tickMs, TICK, i, -1, undefined);
    if (this.paused[i]) return;
    this.dispatch(i, this.nodes[i].tick(this.now));
  }

  private dispatch(i: number, out: SwimOutput): void {
    for (const e of out.events) for (const l of this.listeners) l(i, e, this.now);
    for (const s of out.send) {
      this.stats.sent++;
      const m = s.message;
      for (const l of this.sendListeners) l(i, m, this.now);
      this.stats.updatesCarried += m.type === 'push-pull' ? m.members.length : m.updates.length;
      const dst = this.byAddress.get(s.to);
      if (dst === undefined) {
        this.dispatch(i, this.nodes[i].sendFailed(s.to, m, this.now));
        continue;
      }
      if (this.rand() < (this.opts.lossRate ?? 0) || this.group[i] !== this.group[dst]) {
        this.stats.dropped++;
        continue;
      }
      const min = this.opts.minDelayMs ?? 1;
      const max = this.opts.maxDelayMs ?? min;
      // Whole milliseconds: integer times stay small integers in V8, not boxed doubles.
      this.schedule(this.now + Math.round(min + this.rand() * (max - min)), DELIVER, dst, i, m);
    }
  }

  private deliver(src: number, dst: number, msg: SwimMessage): void {
    if (this.crashed[dst] || this.crashed[src] || this.group[src] !== this.group[dst]) {
      this.stats.dropped++;
      return;
    }
    if (this.paused[dst]) {
      let waiting = this.backlog.get(dst);
      if (!waiting) this.backlog.set(dst, (waiting = []));
      waiting.push({ src, msg });
      return;
    }
    this.deliverNow(dst, msg);
  }

  private deliverNow(dst: number, msg: SwimMessage): void {
    this.stats.delivered++;
    if (this.opts.validateMessages) {
      const wire = JSON.parse(JSON.stringify(msg)) as unknown;
      if (!isSwimMessage(wire)) {
        this.stats.invalid++;
        return;
      }
      msg = wire;
    }
    this.dispatch(dst, this.nodes[dst].receive(msg, this.now));
  }

  private schedule(at: number, kind: number, node: number, src: number, msg: SwimMessage | undefined): void {
    const slot = this.free.length > 0 ? this.free.pop()! : this.newSlot();
    this.time[slot] = at;
    this.order[slot] = this.counter++;
    this.kind[slot] = kind;
    this.node[slot] = node;
    this.src[slot] = src;
    this.payload[slot] = msg;
    // sift up
    let i = this.heapSize++;
    if (this.heapSize > this.heap.length) this.heap = grow(this.heap, Int32Array);
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(slot, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = slot;
  }

  private popTop(): void {
    const h = this.heap;
    const last = h[--this.heapSize];
    let i = 0;
    const n = this.heapSize;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r], h[l]) ? r : l;
      if (!this.less(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }

  private less(a: number, b: number): boolean {
    const ta = this.time[a];
    const tb = this.time[b];
    return ta < tb || (ta === tb && this.order[a] < this.order[b]);
  }

  private newSlot(): number {
    const slot = this.nextSlot++;
    if (slot >= this.time.length) {
      this.time = grow(this.time, Float64Array);
      this.order = grow(this.order, Float64Array);
      this.kind = grow(this.kind, Uint8Array);
      this.node = grow(this.node, Int32Array);
      this.src = grow(this.src, Int32Array);
      this.payload.length = this.time.length;
    }
    return slot;
  }

  private ensureNodeCapacity(n: number): void {
    while (n > this.crashed.length) {
      this.crashed = grow(this.crashed, Uint8Array);
      this.paused = grow(this.paused, Uint8Array);
      this.group = grow(this.group, Int32Array);
    }
  }
}

type TypedArray = Int32Array | Float64Array | Uint8Array;
function grow<T extends TypedArray>(a: T, ctor: new (n: number) => T): T {
  const b = new ctor(a.length * 2);
  b.set(a as never);
  return b;
}

export function nodeIdOf(i: number): string {
  return `node-${String(i).padStart(5, '0')}`;
}

export function addressOf(i: number): string {
  return `127.0.0.1:${20_000 + i}`;
}
