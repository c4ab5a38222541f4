/**
 * The handshake: the first three frames of every connection.
 *
 *   server -> client  Hello        { version, clusterId, nodeId, advertise, nonce }
 *   client -> server  HelloReply   { version, clusterId, nodeId, advertise, role, nonce, proof }
 *   server -> client  HelloAccept  { proof, observedHost }        (or HelloReject { reason })
 *
 * With a cluster secret, each side proves it knows the secret by an HMAC-SHA256 over the
 * other side's fresh nonce, its own node id and the cluster id, with a distinct label per
 * direction so a proof cannot be reflected back. Both sides check, so a node without the
 * secret can neither join nor impersonate a member. Without a secret both proofs are empty
 * and a node with a secret refuses a node without one (and the reverse).
 *
 * Everything here is pure: messages in, messages or a refusal reason out.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = 1;

export type PeerRole = 'peer' | 'client';

export interface LocalIdentity {
  clusterId: string;
  nodeId: string;
  advertise: string;
  role: PeerRole;
  /** Empty or undefined: the cluster runs open. */
  secret?: string;
}

export interface HelloMessage {
  version: number;
  clusterId: string;
  nodeId: string;
  advertise: string;
  nonce: string;
}

export interface HelloReplyMessage extends HelloMessage {
  role: PeerRole;
  proof: string;
}

export interface HelloAcceptMessage {
  proof: string;
  /** The address the server saw the client connect from (lets a node learn a usable host). */
  observedHost: string;
}

export interface HelloRejectMessage {
  reason: string;
}

/** Who is on the other end, once the handshake succeeded. */
export interface RemotePeer {
  nodeId: string;
  advertise: string;
  role: PeerRole;
  clusterId: string;
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function createHello(local: LocalIdentity, nonce: string): HelloMessage {
  return { version: PROTOCOL_VERSION, clusterId: local.clusterId, nodeId: local.nodeId, advertise: local.advertise, nonce };
}

/** Client side: answer the server's Hello, or return the reason to refuse it. */
export function replyToHello(
  local: LocalIdentity,
  hello: unknown,
  nonce: string,
): { reply: HelloReplyMessage } | { refuse: string } {
  const problem = checkHello(hello, local);
  if (problem) return { refuse: problem };
  const h = hello as HelloMessage;
  return {
    reply: {
      ...createHello(local, nonce),
      role: local.role,
      proof: prove(local.secret, 'client', h.nonce, local.nodeId, local.clusterId),
    },
  };
}

/** Server side: check the client's reply to our challenge. */
export function acceptReply(
  local: LocalIdentity,
  reply: unknown,
  serverNonce: string,
  observedHost: string,
): { accept: HelloAcceptMessage; peer: RemotePeer } | { refuse: string } {
  const problem = checkHello(reply, local);
  if (problem) return { refuse: problem };
  const r = reply as HelloReplyMessage;
  if (r.role !== 'peer' && r.role !== 'client') return { refuse: 'unknown role' };
  if (typeof r.proof !== 'string') return { refuse: 'missing proof' };
  const proofProblem = checkProof(local.secret, r.proof, 'client', serverNonce, r.nodeId, r.clusterId);
  if (proofProblem) return { refuse: proofProblem };
  return {
    accept: { proof: prove(local.secret, 'server', r.nonce, local.nodeId, local.clusterId), observedHost },
    peer: { nodeId: r.nodeId, advertise: r.advertise, role: r.role, clusterId: r.clusterId },
  };
}

/** Client side: check the server's proof; returns the reason to refuse, or undefined. */
export function checkAccept(local: LocalIdentity, accept: unknown, hello: HelloMessage, clientNonce: string): string | undefined {
  if (!isRecord(accept) || typeof accept.proof !== 'string') return 'malformed accept';
  return checkProof(local.secret, accept.proof, 'server', clientNonce, hello.nodeId, hello.clusterId);
}

function checkHello(message: unknown, local: LocalIdentity): string | undefined {
  if (!isRecord(message)) return 'malformed hello';
  const m = message as Partial<HelloMessage>;
  if (m.version !== PROTOCOL_VERSION) return `protocol version ${String(m.version)} (this node speaks ${PROTOCOL_VERSION})`;
  if (typeof m.clusterId !== 'string' || m.clusterId !== local.clusterId) {
    return `cluster id "${String(m.clusterId)}" (this node is in "${local.clusterId}")`;
  }
  if (typeof m.nodeId !== 'string' || !/^[0-9a-f]{8,64}$/.test(m.nodeId)) return 'invalid node id';
  if (m.nodeId === local.nodeId) return 'connected to itself';
  if (typeof m.advertise !== 'string' || m.advertise.length > 300) return 'invalid advertise address';
  if (typeof m.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(m.nonce)) return 'invalid nonce';
  return undefined;
}

function checkProof(
  secret: string | undefined,
  proof: string,
  label: 'client' | 'server',
  nonce: string,
  nodeId: string,
  clusterId: string,
): string | undefined {
  if (!secret) return proof === '' ? undefined : 'peer has a cluster secret and this node has none';
  if (proof === '') return 'no proof of the cluster secret (set --cluster-secret or P2P_CLUSTER_SECRET)';
  const expected = Buffer.from(prove(secret, label, nonce, nodeId, clusterId), 'hex');
  const given = Buffer.from(proof, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'cluster secret mismatch';
  return undefined;
}

function prove(secret: string | undefined, label: string, nonce: string, nodeId: string, clusterId: string): string {
  if (!secret) return '';
  return createHmac('sha256', secret).update(`p2p-storage/${label}\n${nonce}\n${nodeId}\n${clusterId}`).digest('hex');
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A short, bounded label for a refusal reason (for metrics labels). */
export function handshakeReasonLabel(reason: string): 'secret' | 'cluster_id' | 'version' | 'timeout' | 'protocol' {
  if (reason.includes('secret')) return 'secret';
  if (reason.includes('cluster id')) return 'cluster_id';
  if (reason.includes('version')) return 'version';
  if (reason.includes('timeout') || reason.includes('no handshake')) return 'timeout';
  return 'protocol';
}
