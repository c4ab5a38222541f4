/**
 * The handshake, version 2: the first three frames of every connection, sent inside TLS 1.3.
 *
 *   server -> client  Hello        { version, clusterId, nodeId, advertise, nonce, fingerprint }
 *   client -> server  HelloReply   { ...Hello fields, role, keyId, proof }
 *   server -> client  HelloAccept  { keyId, proof, observedHost }      (or HelloReject { reason })
 *
 * TLS encrypts and authenticates the bytes and proves each side holds the private key of the
 * certificate it showed; `fingerprint` (SHA-256 of the key's SPKI) must be that certificate's
 * key, and it is what peers pin under a node id (pin-store.ts). Admission is a shared secret:
 * the cluster secret for role "peer", an API token for role "client". Each side proves it with
 *
 *   HMAC-SHA256(secret, "p2p-storage/v2/<client|server>" | EKM | other side's nonce | own node id
 *               | cluster id | own fingerprint | other side's fingerprint | role | key id)
 *
 * where EKM is the TLS channel's exported keying material (RFC 5705/8446 §7.5). A proof is
 * therefore good on this one TLS session only: a relay that terminates TLS towards each side
 * has two sessions with two EKMs (refused), a replayed HelloReply meets another EKM and
 * nonce (refused), and a reflected proof carries the other direction's label (refused).
 *
 * `keyId` names which secret of the keyring the client used; the server checks with that one
 * and proves back with it, so the two ends of a rotation in progress still agree.
 * With an empty keyring (open cluster, or no API token) both proofs are empty and the key id
 * is "none"; a side with a secret refuses a side without one, and the reverse.
 *
 * Everything here is pure: messages and the channel's facts in, messages or a refusal out.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Keyring, KeyringEntry, NO_KEY_ID } from '../keyring';

export const PROTOCOL_VERSION = 2;

export type PeerRole = 'peer' | 'client';

export interface LocalIdentity {
  clusterId: string;
  nodeId: string;
  advertise: string;
  role: PeerRole;
  /** SHA-256 of our TLS key's SPKI; empty for a client without a key of its own (the CLI). */
  fingerprint: string;
  /** What this side proves when it dials, and (for a node) what peers must prove to it. */
  secrets: Keyring;
  /** A node's API tokens: what clients must prove to it. Unused on the dialling side. */
  clientTokens?: Keyring;
}

/** What the TLS layer established, fed into the proofs. */
export interface ChannelFacts {
  /** Hex exported keying material of this TLS session. */
  ekm: string;
  /** Fingerprint of the certificate the other side showed; empty when it showed none. */
  remoteFingerprint: string;
}

export interface HelloMessage {
  version: number;
  clusterId: string;
  nodeId: string;
  advertise: string;
  nonce: string;
  fingerprint: string;
}

export interface HelloReplyMessage extends HelloMessage {
  role: PeerRole;
  keyId: string;
  proof: string;
}

export interface HelloAcceptMessage {
  keyId: string;
  proof: string;
  /** The address the server saw the client connect from (lets a node learn a usable host). */
  observedHost: string;
}

/** Who is on the other end, once the handshake succeeded. */
export interface RemotePeer {
  nodeId: string;
  advertise: string;
  role: PeerRole;
  clusterId: string;
  /** The pinned key's fingerprint (empty for a keyless client). */
  fingerprint: string;
  /** The keyring entry the connection was admitted with ("none" in an open cluster). */
  keyId: string;
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function createHello(local: LocalIdentity, nonce: string): HelloMessage {
  return { version: PROTOCOL_VERSION, clusterId: local.clusterId, nodeId: local.nodeId, advertise: local.advertise, nonce, fingerprint: local.fingerprint };
}

/** Client side: answer the server's Hello, or return the reason to refuse it. */
export function replyToHello(
  local: LocalIdentity,
  hello: unknown,
  nonce: string,
  channel: ChannelFacts,
): { reply: HelloReplyMessage; hello: HelloMessage } | { refuse: string } {
  const problem = checkHello(hello, local) ?? checkFingerprint(hello as HelloMessage, channel, true);
  if (problem) return { refuse: problem };
  const h = hello as HelloMessage;
  const entry = local.secrets.primary;
  const keyId = entry?.keyId ?? NO_KEY_ID;
  const transcript = { label: 'client', ekm: channel.ekm, nonce: h.nonce, nodeId: local.nodeId, clusterId: local.clusterId, own: local.fingerprint, other: h.fingerprint, role: local.role, keyId };
  return { hello: h, reply: { ...createHello(local, nonce), role: local.role, keyId, proof: prove(entry, transcript) } };
}

/** Server side: check the client's reply to our challenge. */
export function acceptReply(
  local: LocalIdentity,
  reply: unknown,
  serverNonce: string,
  channel: ChannelFacts,
  observedHost: string,
): { accept: HelloAcceptMessage; peer: RemotePeer } | { refuse: string } {
  const problem = checkHello(reply, local);
  if (problem) return { refuse: problem };
  const r = reply as HelloReplyMessage;
  if (r.role !== 'peer' && r.role !== 'client') return { refuse: 'unknown role' };
  const fingerprintProblem = checkFingerprint(r, channel, r.role === 'peer');
  if (fingerprintProblem) return { refuse: fingerprintProblem };
  if (typeof r.proof !== 'string' || typeof r.keyId !== 'string') return { refuse: 'missing proof' };
  const ring = r.role === 'peer' ? local.secrets : (local.clientTokens ?? new Keyring());
  const what = r.role === 'peer' ? 'cluster secret' : 'API token';
  // A private cluster never admits a client on nothing: with no API token, it admits none.
  if (r.role === 'client' && ring.isEmpty && !local.secrets.isEmpty) {
    return { refuse: 'this node has a cluster secret and no API token, so it admits no client (set --api-token on the node)' };
  }
  const found = findEntry(ring, r.keyId, r.proof, what);
  if ('refuse' in found) return found;
  const common = { ekm: channel.ekm, clusterId: r.clusterId, role: r.role, keyId: r.keyId };
  const expected = prove(found.entry, { ...common, label: 'client', nonce: serverNonce, nodeId: r.nodeId, own: r.fingerprint, other: local.fingerprint });
  if (!sameHex(expected, r.proof)) return { refuse: `${what} mismatch` };
  return {
    accept: {
      keyId: r.keyId,
      proof: prove(found.entry, { ...common, label: 'server', nonce: r.nonce, nodeId: local.nodeId, own: local.fingerprint, other: r.fingerprint }),
      observedHost,
    },
    peer: { nodeId: r.nodeId, advertise: r.advertise, role: r.role, clusterId: r.clusterId, fingerprint: r.fingerprint, keyId: r.keyId },
  };
}

/** Client side: check the server's proof; returns the reason to refuse, or undefined. */
export function checkAccept(local: LocalIdentity, accept: unknown, hello: HelloMessage, clientNonce: string, channel: ChannelFacts): string | undefined {
  if (!isRecord(accept) || typeof accept.proof !== 'string' || typeof accept.keyId !== 'string') return 'malformed accept';
  const entry = local.secrets.primary;
  if (accept.keyId !== (entry?.keyId ?? NO_KEY_ID)) return `the node answered with key id ${accept.keyId}, not the one this side proved with`;
  const expected = prove(entry, {
    label: 'server', ekm: channel.ekm, nonce: clientNonce, nodeId: hello.nodeId, clusterId: hello.clusterId,
    own: hello.fingerprint, other: local.fingerprint, role: local.role, keyId: accept.keyId,
  });
  if (!sameHex(expected, accept.proof)) return `the node's proof of the ${local.role === 'peer' ? 'cluster secret' : 'API token'} does not match`;
  return undefined;
}

function findEntry(ring: Keyring, keyId: string, proof: string, what: string): { entry: KeyringEntry | undefined } | { refuse: string } {
  const flag = what === 'cluster secret' ? '--cluster-secret or P2P_CLUSTER_SECRET' : '--api-token or P2P_API_TOKEN';
  if (ring.isEmpty) return keyId === NO_KEY_ID && proof === '' ? { entry: undefined } : { refuse: `peer has a ${what} and this node has none` };
  if (keyId === NO_KEY_ID || proof === '') return { refuse: `no proof of the ${what} (set ${flag})` };
  const entry = ring.find(keyId);
  if (!entry) return { refuse: `${what} mismatch: key id ${keyId} is not in this node's keyring (${ring.keyIds.join(', ')})` };
  return { entry };
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
  if (typeof m.fingerprint !== 'string' || !/^(?:[0-9a-f]{64})?$/.test(m.fingerprint)) return 'invalid key fingerprint';
  return undefined;
}

/** The fingerprint a side names must be the key TLS saw it prove; a node must have one (under TLS). */
function checkFingerprint(m: HelloMessage, channel: ChannelFacts, required: boolean): string | undefined {
  if (required && channel.ekm !== '' && m.fingerprint === '') return 'key: the node showed no key';
  if (m.fingerprint !== channel.remoteFingerprint) return 'key: the fingerprint named in the handshake is not the TLS key';
  return undefined;
}

interface Transcript {
  label: string;
  ekm: string;
  nonce: string;
  nodeId: string;
  clusterId: string;
  own: string;
  other: string;
  role: string;
  keyId: string;
}

function prove(entry: KeyringEntry | undefined, t: Transcript): string {
  if (!entry) return '';
  const text = [`p2p-storage/v2/${t.label}`, t.ekm, t.nonce, t.nodeId, t.clusterId, t.own, t.other, t.role, t.keyId].join('\n');
  return createHmac('sha256', entry.secret).update(text).digest('hex');
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(given, 'hex');
  return a.length === b.length && (a.length === 0 ? expected === given : timingSafeEqual(a, b));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A short, bounded label for a refusal reason (for metrics labels). */
export function handshakeReasonLabel(reason: string): 'secret' | 'token' | 'key' | 'cluster_id' | 'version' | 'timeout' | 'tls' | 'protocol' {
  if (reason.includes('API token')) return 'token';
  if (reason.includes('secret')) return 'secret';
  if (reason.startsWith('key')) return 'key';
  if (reason.includes('cluster id')) return 'cluster_id';
  if (reason.includes('version')) return 'version';
  if (reason.includes('timeout') || reason.includes('no handshake')) return 'timeout';
  if (reason.startsWith('tls')) return 'tls';
  return 'protocol';
}
