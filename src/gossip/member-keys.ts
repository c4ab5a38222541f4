/**
 * Key pins spread by gossip. Every member update a node sends carries the fingerprint of the
 * TLS key it has pinned for that member (its own key, for itself), so a node pins a member it
 * has only heard of and refuses a different key under that id at their first direct
 * connection, as if it had met the member itself.
 *
 * A gossiped fingerprint only fills a gap: it never replaces a pin (a conflict is logged, the
 * pin stays), and a pin forgotten on purpose (`p2p peers --forget`) is taken again only from a
 * handshake, never from gossip, so nodes that still pin a replaced key cannot hand it back to a
 * node that forgot it. Only authenticated members' messages reach this (the cluster secret):
 * a member can vouch for a key nobody has pinned yet, as the first node to meet it could.
 *
 * The keys come from the node's pin store through `MemberKeys`; gossip never sees the
 * transport or the database.
 */
import { MemberUpdate } from './swim/member';
import { SwimMessage } from './swim/messages';

export type HeardKey = 'pinned' | 'same' | 'conflict' | 'ignored';

export interface MemberKeys {
  /** The fingerprint pinned for `nodeId`, if any (none while a forgotten pin waits for a handshake). */
  keyOf(nodeId: string): string | undefined;
  /** A fingerprint gossip named for `nodeId`: pinned when nothing was, else compared. */
  heard(nodeId: string, fingerprint: string): HeardKey;
}

export const MEMBER_KEYS = Symbol('MEMBER_KEYS');

/** A gossiped key that differs from the pin: kept out, and worth a log line. */
export interface KeyConflict {
  nodeId: string;
  heard: string;
  pinned: string;
}

function updatesOf(message: SwimMessage): MemberUpdate[] {
  return message.type === 'push-pull' ? message.members : message.updates;
}

/** `message` with each update's fingerprint set to this node's pin for it (copies; the core's objects stay as they are). */
export function withKeys(message: SwimMessage, keys: MemberKeys, self: { nodeId: string; fingerprint: string }): SwimMessage {
  const annotate = (u: MemberUpdate): MemberUpdate => {
    const { fingerprint: _heard, ...rest } = u;
    const fingerprint = u.nodeId === self.nodeId ? self.fingerprint || undefined : keys.keyOf(u.nodeId);
    return fingerprint ? { ...rest, fingerprint } : rest;
  };
  if (message.type === 'push-pull') return { ...message, members: message.members.map(annotate) };
  return { ...message, updates: message.updates.map(annotate) };
}

/** Hands every fingerprint `message` names (except for this node) to `keys`; returns the conflicts. */
export function learnKeys(message: SwimMessage, keys: MemberKeys, selfId: string): KeyConflict[] {
  const conflicts: KeyConflict[] = [];
  for (const u of updatesOf(message)) {
    if (!u.fingerprint || u.nodeId === selfId) continue;
    if (keys.heard(u.nodeId, u.fingerprint) === 'conflict') conflicts.push({ nodeId: u.nodeId, heard: u.fingerprint, pinned: keys.keyOf(u.nodeId) ?? '' });
  }
  return conflicts;
}
