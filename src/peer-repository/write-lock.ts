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

const generations = new WeakMap<DataSource, number>();

/**
 * Counts the writes to what anti-entropy compares (manifests, tombstones, aborts) on this
 * database, so a reader can keep what it derived from them until the next such write.
 * Bumped when the write has finished: a reader that took the count before it read sees a
 * larger one afterwards.
 */
export function bumpDataGeneration(dataSource: DataSource): void {
  generations.set(dataSource, (generations.get(dataSource) ?? 0) + 1);
}

export function dataGeneration(dataSource: DataSource): number {
  return generations.get(dataSource) ?? 0;
}

/** A write to manifests, tombstones or aborts: serialized, then counted (bumpDataGeneration), even when it failed. */
export function dataWrite<T>(dataSource: DataSource, work: (m: EntityManager) => Promise<T>): Promise<T> {
  return writeTransaction(dataSource, work).finally(() => bumpDataGeneration(dataSource));
}
