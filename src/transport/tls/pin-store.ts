/**
 * Key pins: node id -> fingerprint of the key that node showed first (trust on first sight,
 * as SSH does with host keys). A later connection under that id with another key is refused
 * with reason "key", until an operator forgets the pin on purpose (`p2p peers forget <id>`).
 *
 * The transport reads and writes pins through this interface; the node backs it with its
 * database (PeerRepository) and keeps a copy in memory, so the handshake never waits on disk.
 * Member records in gossip carry each member's fingerprint, so a node learns pins for members
 * it has not dialled yet.
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

/** An in-memory pin store (tests, and the node's cache in front of its database). */
export class MemoryPinStore implements PinStore {
  readonly pins = new Map<string, string>();

  constructor(private readonly persist: (nodeId: string, fingerprint: string) => void = () => undefined) {}

  pinned(nodeId: string): string | undefined {
    return this.pins.get(nodeId);
  }

  pin(nodeId: string, fingerprint: string): void {
    if (fingerprint === '' || this.pins.has(nodeId)) return;
    this.pins.set(nodeId, fingerprint);
    this.persist(nodeId, fingerprint);
  }

  forget(nodeId: string): void {
    this.pins.delete(nodeId);
  }
}
