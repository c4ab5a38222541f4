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
