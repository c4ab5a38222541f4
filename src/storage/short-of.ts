/**
 * Keys whose last push to some peer failed, by peer: under-replicated until a push succeeds.
 * Counted per key as they change, so the figure costs nothing to read: a round pushing 20,000
 * keys reported it after every key, and rebuilding the union of every peer's set each time
 * took most of the pushing node's CPU.
 */
export class ShortOf {
  private readonly byPeer = new Map<string, Set<string>>();
  /** Per key, how many peers' sets hold it. */
  private readonly peersShort = new Map<string, number>();

  /** Starts `peer`'s set over with `keys` (a round's pushes to it, each short until it lands). */
  reset(peer: string, keys: Iterable<string>): void {
    this.forget(peer);
    const set = new Set(keys);
    this.byPeer.set(peer, set);
    for (const key of set) this.peersShort.set(key, (this.peersShort.get(key) ?? 0) + 1);
  }

  /** A push of `key` to `peer` landed. */
  landed(peer: string, key: string): void {
    if (this.byPeer.get(peer)?.delete(key)) this.drop(key);
  }

  /** Drops the sets of peers no longer known (`known` says which are). */
  prune(known: (peer: string) => boolean): void {
    for (const peer of [...this.byPeer.keys()]) if (!known(peer)) this.forget(peer);
  }

  /** Keys short of a copy on at least one peer. */
  get size(): number {
    return this.peersShort.size;
  }

  private forget(peer: string): void {
    const set = this.byPeer.get(peer);
    if (!set) return;
    this.byPeer.delete(peer);
    for (const key of set) this.drop(key);
  }

  private drop(key: string): void {
    const n = (this.peersShort.get(key) ?? 0) - 1;
    if (n > 0) this.peersShort.set(key, n);
    else this.peersShort.delete(key);
  }
}
