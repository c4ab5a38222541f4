/**
 * A seeded mix of stores of new keys, overwrites and deletes of shared keys, run by a few
 * concurrent workers through a set of coordinators, every outcome recorded in a WriteLedger.
 * The same seed gives the same sequence of ops (timing still varies from run to run).
 */
import { TestNode } from './node-harness';
import { WriteLedger } from './write-ledger';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
// One seeded generator for every simulation and workload in the tests.
import { seededRandom } from './in-memory-network';
export { seededRandom };

export interface WorkloadOptions {
  seed: number;
  /** Names this workload's new keys (`<side>-<n>`) and its contents. */
  side: string;
  via: TestNode[];
  /** Keys other workloads may also write: overwritten and deleted here. */
  sharedKeys: string[];
  /** Ops per worker. */
  ops: number;
  workers: number;
  /** Client timeout per op. */
  timeout?: string;
}

/** Runs the workload to the end; the ledger holds what each op was told. */
export async function runWorkload(ledger: WriteLedger, o: WorkloadOptions): Promise<void> {
  let fresh = 0;
  const worker = async (w: number) => {
    const rnd = seededRandom(o.seed * 1000 + w);
    for (let i = 0; i < o.ops; i++) {
      const via = o.via[Math.floor(rnd() * o.via.length)];
      const roll = rnd();
      const shared = o.sharedKeys[Math.floor(rnd() * o.sharedKeys.length)];
      const tag = `${o.side} w${w} op${i}`;
      if (roll < 0.4) await ledger.store(via, `${o.side}-${fresh++}`, Buffer.from(`new key by ${tag}`), o.timeout ?? '90s');
      else if (roll < 0.75) await ledger.store(via, shared, Buffer.from(`overwrite by ${tag}`), o.timeout ?? '90s');
      else await ledger.delete(via, shared, o.timeout ?? '90s');
    }
  };
  await Promise.all(Array.from({ length: o.workers }, (_, w) => worker(w)));
}
