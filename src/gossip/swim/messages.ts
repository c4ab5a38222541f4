/**
 * The wire shape of every SWIM message: plain JSON objects with a `type`.
 *
 * Every message names its sender (`from`: node id, address, incarnation), which doubles as
 * "the sender is alive at this incarnation", and carries piggybacked member updates, so
 * dissemination rides on the failure detector's own traffic (SWIM section 4.1).
 *
 *   ping       direct probe; `target` is the node id the prober means (a stale address may
 *              now belong to someone else, who must not answer for it)
 *   ack        answer to a ping, or an intermediary relaying the target's ack (same `seq`)
 *   ping-req   "probe `target` for me"; answered by a relayed ack or, failing that, a nack
 *   nack       Lifeguard: the intermediary is alive but the target did not answer it
 *   gossip     pending updates only, sent on the gossip tick
 *   push-pull  the whole member list; `reply: false` asks for the receiver's list back
 *
 * A member update may carry the fingerprint of the member's TLS key (../member-keys.ts).
 *
 * Everything here arrives from the network, so `isSwimMessage` checks every field, bounds
 * every string and array, and rejects unknown keys rather than carrying them along.
 */
import { MemberState, MemberUpdate } from './member';

export interface NodeRef {
  nodeId: string;
  address: string;
  incarnation: number;
}

export interface PingMessage { type: 'ping'; seq: number; target: string; from: NodeRef; updates: MemberUpdate[] }
export interface AckMessage { type: 'ack'; seq: number; from: NodeRef; updates: MemberUpdate[] }
export interface NackMessage { type: 'nack'; seq: number; from: NodeRef; updates: MemberUpdate[] }
export interface PingReqMessage {
  type: 'ping-req';
  seq: number;
  target: { nodeId: string; address: string };
  from: NodeRef;
  updates: MemberUpdate[];
}
export interface GossipMessage { type: 'gossip'; from: NodeRef; updates: MemberUpdate[] }
export interface PushPullMessage { type: 'push-pull'; reply: boolean; from: NodeRef; members: MemberUpdate[] }

export type SwimMessage = PingMessage | AckMessage | NackMessage | PingReqMessage | GossipMessage | PushPullMessage;
export type SwimMessageType = SwimMessage['type'];

/** Bounds on untrusted input. A push-pull carries one entry per member, so it gets its own. */
export const WIRE_LIMITS = {
  nodeIdLength: 64,
  addressLength: 300,
  updates: 256,
  members: 100_000,
} as const;

const NODE_ID = /^[A-Za-z0-9._-]+$/;
// host:port where host is a name, an IPv4 address or a bracketed IPv6 address.
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;
/** A key fingerprint: SHA-256 of the key's SPKI, lower-case hex. */
const FINGERPRINT = /^[0-9a-f]{64}$/;
const STATES: ReadonlySet<string> = new Set<MemberState>(['alive', 'suspect', 'dead', 'left']);

type Obj = Record<string, unknown>;

function isPlainObject(x: unknown): x is Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Exactly these keys (optional ones may be missing), nothing else. */
function hasOnlyKeys(o: Obj, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(o);
  if (keys.length < required.length || keys.length > required.length + optional.length) return false;
  for (const k of required) if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
  for (const k of keys) if (!required.includes(k) && !optional.includes(k)) return false;
  return true;
}

export function isNodeId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= WIRE_LIMITS.nodeIdLength && NODE_ID.test(x);
}

export function isAddress(x: unknown): x is string {
  if (typeof x !== 'string' || x.length > WIRE_LIMITS.addressLength) return false;
  const m = ADDRESS.exec(x);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}

function isCounter(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isNodeRef(x: unknown): x is NodeRef {
  return isPlainObject(x) && hasOnlyKeys(x, ['nodeId', 'address', 'incarnation']) && isNodeId(x.nodeId) && isAddress(x.address) && isCounter(x.incarnation);
}

export function isMemberUpdate(x: unknown): x is MemberUpdate {
  if (!isPlainObject(x) || !hasOnlyKeys(x, ['nodeId', 'address', 'state', 'incarnation'], ['from', 'fingerprint'])) return false;
  if (!isNodeId(x.nodeId) || !isAddress(x.address) || !isCounter(x.incarnation)) return false;
  if (typeof x.state !== 'string' || !STATES.has(x.state)) return false;
  if (x.fingerprint !== undefined && !(typeof x.fingerprint === 'string' && FINGERPRINT.test(x.fingerprint))) return false;
  return x.from === undefined || isNodeId(x.from);
}

function isUpdateList(x: unknown, max: number): x is MemberUpdate[] {
  if (!Array.isArray(x) || x.length > max) return false;
  for (const u of x) if (!isMemberUpdate(u)) return false;
  return true;
}

/** Strict validation of a message that came off the wire. */
export function isSwimMessage(x: unknown): x is SwimMessage {
  if (!isPlainObject(x) || typeof x.type !== 'string') return false;
  switch (x.type) {
    case 'ping':
      return hasOnlyKeys(x, ['type', 'seq', 'target', 'from', 'updates']) && isCounter(x.seq) && isNodeId(x.target) && common(x);
    case 'ack':
    case 'nack':
      return hasOnlyKeys(x, ['type', 'seq', 'from', 'updates']) && isCounter(x.seq) && common(x);
    case 'ping-req':
      return (
        hasOnlyKeys(x, ['type', 'seq', 'target', 'from', 'updates']) &&
        isCounter(x.seq) &&
        isPlainObject(x.target) &&
        hasOnlyKeys(x.target, ['nodeId', 'address']) &&
        isNodeId(x.target.nodeId) &&
        isAddress(x.target.address) &&
        common(x)
      );
    case 'gossip':
      return hasOnlyKeys(x, ['type', 'from', 'updates']) && common(x);
    case 'push-pull':
      return (
        hasOnlyKeys(x, ['type', 'reply', 'from', 'members']) &&
        typeof x.reply === 'boolean' &&
        isNodeRef(x.from) &&
        isUpdateList(x.members, WIRE_LIMITS.members)
      );
    default:
      return false;
  }
}

function common(x: Obj): boolean {
  return isNodeRef(x.from) && isUpdateList(x.updates, WIRE_LIMITS.updates);
}
