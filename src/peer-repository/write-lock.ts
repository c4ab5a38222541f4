/**
 * TypeORM's sqlite driver runs everything on one connection, so two transactions started at
 * once interleave their statements ("no such savepoint"), and a plain write issued while a
 * transaction is open becomes part of it. Every write and every transaction therefore goes
 * through this per-database queue, one at a time. Reads stay concurrent.
 */
import { DataSource, EntityManager } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();

/** Runs `work` after every write queued before it on this database. */
export function serialized<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(dataSource) ?? Promise.resolve();
  const run = previous.then(work, work);
  queues.set(dataSource, run.catch(() => undefined));
  return run;
}

/** A transaction, queued behind every other write on this database. */
export function writeTransaction<T>(dataSource: DataSource, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return serialized(dataSource, () => dataSource.transaction(work));
}

/** Writes to what anti-entropy compares, per database: their count and the keys each touched. */
interface DataLog {
  generation: number;
  /** The keys of each recent write, oldest first (undefined: it may have touched any key). */
  writes: Array<{ generation: number; keys: readonly string[] | undefined }>;
  keys: number;
  /** Writes up to this generation are no longer in `writes`. */
  forgotten: number;
}

/** Keys remembered across the logged writes; older writes are forgotten (a reader then starts over). */
export const LOGGED_KEYS = 50_000;

const logs = new WeakMap<DataSource, DataLog>();

function logOf(dataSource: DataSource): DataLog {
  let log = logs.get(dataSource);
  if (!log) logs.set(dataSource, (log = { generation: 0, writes: [], keys: 0, forgotten: 0 }));
  return log;
}

/**
 * Counts the writes to what anti-entropy compares (manifests, tombstones, aborts) on this
 * database, so a reader can keep what it derived from them until the next such write, and
 * remembers which keys each touched (`keys`; undefined when any may have changed), so that
 * reader can bring what it kept up to date key by key (changedSince).
 * Bumped when the write has finished: a reader that took the count before it read sees a
 * larger one afterwards.
 */
export function bumpDataGeneration(dataSource: DataSource, keys?: readonly string[]): void {
  keysWritten(dataSource, keys);
  const log = logOf(dataSource);
  log.generation += 1;
  log.writes.push({ generation: log.generation, keys });
  log.keys += keys?.length ?? 1;
  while (log.keys > LOGGED_KEYS && log.writes.length > 1) {
    const old = log.writes.shift()!;
    log.keys -= old.keys?.length ?? 1;
    log.forgotten = old.generation;
  }
}

export function dataGeneration(dataSource: DataSource): number {
  return logs.get(dataSource)?.generation ?? 0;
}

/**
 * The keys written since `generation` (a value dataGeneration returned), or undefined when
 * that is not known: a write since then may have touched any key, or was forgotten.
 */
export function changedSince(dataSource: DataSource, generation: number): Set<string> | undefined {
  const log = logs.get(dataSource);
  if (!log || generation >= log.generation) return new Set();
  if (generation < log.forgotten) return undefined;
  const out = new Set<string>();
  for (let i = log.writes.length - 1; i >= 0 && log.writes[i].generation > generation; i--) {
    const keys = log.writes[i].keys;
    if (!keys) return undefined;
    for (const k of keys) out.add(k);
  }
  return out;
}

/**
 * A write to manifests, tombstones or aborts of `keys` (undefined: of keys not known
 * beforehand): serialized, then counted (bumpDataGeneration), even when it failed.
 */
export function dataWrite<T>(dataSource: DataSource, keys: readonly string[] | undefined, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return writeTransaction(dataSource, work).finally(() => bumpDataGeneration(dataSource, keys));
}

/** Told of each finished write to what a key's report reads (key-report.repository.ts). */
export type KeysWrittenListener = (keys: readonly string[] | undefined) => void;

const watchers = new WeakMap<DataSource, Set<KeysWrittenListener>>();

/**
 * Calls `listener` once each write to the rows a key's report reads (manifest, chunk list,
 * shares, settled mark, tombstone, aborts) has finished, committed or failed, before the
 * writer goes on (so before anything it acknowledges): with the keys it touched, or undefined
 * when it may have touched any. Returns how to stop listening.
 */
export function onKeysWritten(dataSource: DataSource, listener: KeysWrittenListener): () => void {
  let set = watchers.get(dataSource);
  if (!set) watchers.set(dataSource, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells the listeners of this database that a write to these keys (undefined: any) has finished. */
export function keysWritten(dataSource: DataSource, keys?: readonly string[]): void {
  for (const listener of watchers.get(dataSource) ?? []) listener(keys);
}

/**
 * A transaction writing what a key's report reads but anti-entropy does not compare (the
 * settled mark): queued like every write, its keys told to onKeysWritten, no data generation.
 */
export function keyWrite<T>(dataSource: DataSource, keys: readonly string[], work: (m: EntityManager) => Promise<T>): Promise<T> {
  return writeTransaction(dataSource, work).finally(() => keysWritten(dataSource, keys));
}
