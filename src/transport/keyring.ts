/**
 * A keyring of shared secrets: the cluster secrets nodes prove to each other, or the API
 * tokens clients prove to a node. The first entry is the primary, used for the connections
 * this side opens; every entry is accepted from the other side. That is what rotates a secret
 * with no downtime (Serf's install -> use -> remove): add the new secret everywhere, make it
 * first everywhere, remove the old one.
 *
 * Each entry is named on the wire by its key id, a hash that says which secret a proof used
 * without revealing it; the answering side proves back with that same entry, so a node whose
 * primary is new still talks to one that has not switched yet (Consul #719's lesson).
 *
 * `replace` swaps the entries (a reloaded secrets file); listeners learn which key ids were
 * removed, so connections admitted with them can be closed.
 */
import { createHash } from 'node:crypto';

export const NO_KEY_ID = 'none';

export interface KeyringEntry {
  keyId: string;
  secret: string;
}

export function keyIdOf(secret: string): string {
  return createHash('sha256').update(`p2p-storage key id\n${secret}`).digest('hex').slice(0, 16);
}

export class Keyring {
  private entries: KeyringEntry[] = [];
  private readonly listeners = new Set<(removed: string[]) => void>();

  constructor(secrets: readonly string[] = []) {
    this.entries = toEntries(secrets);
  }

  /** True when the ring holds no secret: the other side proves nothing (an open cluster). */
  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  get primary(): KeyringEntry | undefined {
    return this.entries[0];
  }

  get keyIds(): string[] {
    return this.entries.map((e) => e.keyId);
  }

  /** Every secret, primary first: for checks outside the handshake (the HTTP API's bearer tokens). */
  get secrets(): string[] {
    return this.entries.map((e) => e.secret);
  }

  find(keyId: string): KeyringEntry | undefined {
    return this.entries.find((e) => e.keyId === keyId);
  }

  has(keyId: string): boolean {
    return keyId === NO_KEY_ID ? this.isEmpty : this.find(keyId) !== undefined;
  }

  /** Installs a new list; returns the key ids that were removed (and tells the listeners). */
  replace(secrets: readonly string[]): string[] {
    const next = toEntries(secrets);
    const removed = this.entries.filter((e) => !next.some((n) => n.keyId === e.keyId)).map((e) => e.keyId);
    this.entries = next;
    if (removed.length > 0) for (const listener of this.listeners) listener(removed);
    return removed;
  }

  onRemoved(listener: (removed: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function toEntries(secrets: readonly string[]): KeyringEntry[] {
  const seen = new Set<string>();
  const out: KeyringEntry[] = [];
  for (const secret of secrets) {
    if (secret === '' || seen.has(secret)) continue;
    seen.add(secret);
    out.push({ keyId: keyIdOf(secret), secret });
  }
  return out;
}
