/**
 * What anti-entropy compares, kept in memory: every manifest, tombstone and abort this node
 * holds, by key, with the key's digest bucket and print (sync-digest.ts), as of one data
 * generation. It is brought up to date key by key from the writes since (write-lock.ts,
 * changedSince) and read whole only at start or when those writes are not known: with 100,000
 * keys a whole read and its hashing cost about a second of CPU, a round after a few writes
 * costs a few rows. Hashing yields to the event loop every KEYS_PER_SLICE keys.
 */
import { FileRepository } from '../peer-repository/file.repository';
import { StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { PrintedKey, SyncEntry, bucketOf, entryPrint, keyPrint } from './sync-digest';

/** One key's entries, its bucket, its print and its entries' prints. Never changed: a write replaces the record. */
export interface IndexedKey extends PrintedKey {
  readonly key: string;
  readonly bucket: number;
}

/** Keys read per query when bringing the index up to date (well within SQLite's bound on parameters). */
const KEYS_PER_READ = 500;
/** Keys handled between two yields to the event loop, so that no step blocks it for long. */
export const KEYS_PER_SLICE = 2_000;

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SyncIndex {
  /** The data generation the records are as of (-1: not read yet). */
  generation = -1;
  private byKey = new Map<string, IndexedKey>();

  constructor(
    private readonly files: FileRepository,
    private readonly tombstones: TombstoneRepository,
    private readonly outcomes: StoreOutcomeRepository,
  ) {}

  get(key: string): IndexedKey | undefined {
    return this.byKey.get(key);
  }

  records(): IterableIterator<IndexedKey> {
    return this.byKey.values();
  }

  /**
   * Brings the records up to the current data generation (callers never run two at once).
   * Returns the keys written since the last refresh, or undefined when it read everything.
   */
  async refresh(): Promise<ReadonlySet<string> | undefined> {
    // Taken before reading: a write that finishes meanwhile is read again next time.
    const generation = this.files.generation();
    if (generation === this.generation) return new Set();
    const changed = this.generation < 0 ? undefined : this.files.changedSince(this.generation);
    if (changed) await this.readKeys([...changed]);
    else await this.readAll();
    this.generation = generation;
    return changed;
  }

  private async readAll(): Promise<void> {
    const [manifests, graves, aborts] = await Promise.all([this.files.versions(), this.tombstones.list(), this.outcomes.list()]);
    const entries = new Map<string, SyncEntry[]>();
    const add = (e: SyncEntry) => {
      const list = entries.get(e.key);
      if (list) list.push(e);
      else entries.set(e.key, [e]);
    };
    for (const m of manifests) add({ key: m.key, kind: 'm', version: m.version });
    for (const t of graves) add({ key: t.key, kind: 't', version: t.version });
    for (const a of aborts) add({ key: a.key, kind: 'a', version: a.version });
    const fresh = new Map<string, IndexedKey>();
    for (const [key, list] of entries) {
      fresh.set(key, record(key, list));
      if (fresh.size % KEYS_PER_SLICE === 0) await yieldToLoop();
    }
    this.byKey = fresh;
  }

  private async readKeys(keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += KEYS_PER_READ) {
      const slice = keys.slice(at, at + KEYS_PER_READ);
      const [manifests, graves, aborts] = await Promise.all([this.files.versionsOf(slice), this.tombstones.versionsOf(slice), this.outcomes.listOf(slice)]);
      const abortsOf = new Map<string, string[]>();
      for (const a of aborts) abortsOf.set(a.key, [...(abortsOf.get(a.key) ?? []), a.version]);
      for (const key of slice) {
        const list: SyncEntry[] = [];
        const m = manifests.get(key);
        const t = graves.get(key);
        if (m !== undefined) list.push({ key, kind: 'm', version: m });
        if (t !== undefined) list.push({ key, kind: 't', version: t });
        for (const version of abortsOf.get(key) ?? []) list.push({ key, kind: 'a', version });
        if (list.length) this.byKey.set(key, record(key, list, this.byKey.get(key)));
        else this.byKey.delete(key);
      }
    }
  }
}

function record(key: string, entries: SyncEntry[], was?: IndexedKey): IndexedKey {
  return { key, bucket: was?.bucket ?? bucketOf(key), print: was?.print ?? keyPrint(key), entries, entryPrints: entries.map(entryPrint) };
}
