/**
 * Key pins: node id -> fingerprint of the key that node showed first (trust on first sight,
 * as SSH does with host keys). A later connection under that id with another key is refused
 * with reason "key", until an operator forgets the pin on purpose (`p2p peers forget <id>`).
 *
 * The transport reads and writes pins through this interface; the node backs it with its
 * database (PeerRepository) and keeps a copy in memory, so the handshake never waits on disk.
 * Member records in gossip carry each member's fingerprint, so a node learns pins for members
 * it has not dialled yet (gossip/member-keys.ts, through MemoryPinStore.heard).
 */
export interface PinStore {
  /** The fingerprint pinned for `nodeId`, if any. */
  pinned(nodeId: string): string | undefined;
  /** Pins `fingerprint` for `nodeId` when nothing is pinned yet (persisting it is the store's business). */
  pin(nodeId: string, fingerprint: string): void;
  /**
   * Told when `nodeId` was refused for another key: a store backed by a database reads the pin
   * again, so a pin forgotten there (`p2p peers forget`) stops refusing at the next attempt.
   */
  refused?(nodeId: string): void;
}

export const noPins: PinStore = {
  pinned: () => undefined,
  pin: () => undefined,
};

/** The refusal reason when `nodeId` shows `fingerprint`, or undefined when that is fine (and now pinned). */
export function checkPin(pins: PinStore, nodeId: string, fingerprint: string): string | undefined {
  if (fingerprint === '') return undefined; // plaintext benchmark mode: nothing to pin
  const known = pins.pinned(nodeId);
  if (known !== undefined && known !== fingerprint) {
    pins.refused?.(nodeId);
    return `key: node ${nodeId} showed key ${fingerprint.slice(0, 16)}…, not its pinned key ${known.slice(0, 16)}… (if it was re-keyed on purpose: p2p peers --forget ${nodeId})`;
  }
  return undefined;
}

/**
 * What MemoryPinStore holds for a node id whose pin was forgotten on purpose (`p2p peers
 * --forget`): no pin, and none taken from gossip, only from the next handshake, so a node that
 * still pins the replaced key cannot gossip it back. The database keeps the same marker.
 */
export const FORGOTTEN_PIN = '';

/** An in-memory pin store (tests, and the node's cache in front of its database). */
export class MemoryPinStore implements PinStore {
  /** node id -> fingerprint, or FORGOTTEN_PIN. */
  readonly pins = new Map<string, string>();

  constructor(private readonly persist: (nodeId: string, fingerprint: string) => void = () => undefined) {}

  pinned(nodeId: string): string | undefined {
    const fingerprint = this.pins.get(nodeId);
    return fingerprint === FORGOTTEN_PIN ? undefined : fingerprint;
  }

  /** A handshake's key: pinned unless a key is pinned already (a forgotten pin is taken again here). */
  pin(nodeId: string, fingerprint: string): void {
    if (fingerprint === '' || this.pinned(nodeId) !== undefined) return;
    this.pins.set(nodeId, fingerprint);
    this.persist(nodeId, fingerprint);
  }

  /** The key this node would vouch for in gossip. */
  keyOf(nodeId: string): string | undefined {
    return this.pinned(nodeId);
  }

  /** A key gossip named: pinned only when nothing is known for `nodeId`; never replaces a pin. */
  heard(nodeId: string, fingerprint: string): 'pinned' | 'same' | 'conflict' | 'ignored' {
    const known = this.pins.get(nodeId);
    if (fingerprint === '' || known === FORGOTTEN_PIN) return 'ignored';
    if (known === undefined) {
      this.pins.set(nodeId, fingerprint);
      this.persist(nodeId, fingerprint);
      return 'pinned';
    }
    return known === fingerprint ? 'same' : 'conflict';
  }

  /** Drops what is known of `nodeId` (`forgotten`: a pin removed on purpose, see FORGOTTEN_PIN). */
  forget(nodeId: string, forgotten = false): void {
    if (forgotten) this.pins.set(nodeId, FORGOTTEN_PIN);
    else this.pins.delete(nodeId);
  }
}
