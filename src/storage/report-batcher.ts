/**
 * Gathers the manifest reports a coordinator asks of one peer into one message.
 *
 * Every read asks each holder of its key for a report (quorum-read.ts). Under load many reads
 * run at once, and one message per key per holder made the transport's framing, TLS records
 * and the peer's dispatch the largest part of a small GET's cost. Reports asked of a peer
 * within one turn of the event loop are sent together once that turn ends (so a lone read
 * waits for nothing but the end of the current turn), at most REPORT_BATCH_KEYS keys per
 * message; a key asked twice is asked once and both callers get its answer.
 */
import { SYNC_BATCH_KEYS } from './sync-batch';
import { StorageProtocolError } from './storage-protocol.errors';
import type { ManifestReport } from './storage.types';

/** Keys per batched report message: the same bound the holder's handler enforces. */
export const REPORT_BATCH_KEYS = SYNC_BATCH_KEYS;

/** Asks one peer for the reports of these keys; a key it maps to an Error, or leaves out, failed. */
export type SendReports = (nodeId: string, keys: string[]) => Promise<Map<string, ManifestReport | Error>>;

interface Waiter {
  resolve(report: ManifestReport): void;
  reject(err: unknown): void;
}

export class ReportBatcher {
  /** Per peer, the keys asked this turn and who waits for each. */
  private readonly pending = new Map<string, Map<string, Waiter[]>>();

  constructor(
    private readonly send: SendReports,
    private readonly maxKeys = REPORT_BATCH_KEYS,
    private readonly atTurnEnd: (run: () => void) => void = (run) => setImmediate(run),
  ) {}

  report(nodeId: string, key: string): Promise<ManifestReport> {
    return new Promise<ManifestReport>((resolve, reject) => {
      const keys = this.pending.get(nodeId);
      if (keys) {
        const waiters = keys.get(key);
        if (waiters) waiters.push({ resolve, reject });
        else keys.set(key, [{ resolve, reject }]);
        return;
      }
      this.pending.set(nodeId, new Map([[key, [{ resolve, reject }]]]));
      this.atTurnEnd(() => this.flush(nodeId));
    });
  }

  private flush(nodeId: string): void {
    const keys = this.pending.get(nodeId);
    this.pending.delete(nodeId);
    if (!keys) return;
    const all = [...keys.keys()];
    for (let i = 0; i < all.length; i += this.maxKeys) {
      const batch = all.slice(i, i + this.maxKeys);
      // A send that throws at once (no known address) fails its batch like one that rejects.
      new Promise<Map<string, ManifestReport | Error>>((resolve) => resolve(this.send(nodeId, batch))).then(
        (reports) => {
          for (const key of batch) {
            const report = reports.get(key);
            for (const w of keys.get(key)!) {
              if (report instanceof Error) w.reject(report);
              else if (report) w.resolve(report);
              else w.reject(new StorageProtocolError(`${nodeId.slice(0, 8)} gave no report of "${key}"`));
            }
          }
        },
        (err) => {
          for (const key of batch) for (const w of keys.get(key)!) w.reject(err);
        },
      );
    }
  }
}
