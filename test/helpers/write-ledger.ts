/**
 * What a client was told, op by op, and a check of a cluster's final state against it.
 *
 * Each store writes content no other op writes, so the final content of a key names the op
 * that won. The rule checked for every key: the final state is the outcome of the newest
 * (highest version) acknowledged op, or of an op whose outcome the client never learned (a
 * timeout: it may have happened). An op the client was told failed (quorum not reached, lost
 * to a concurrent store) never decides the final state; a deleted key never comes back.
 */
import * as crypto from 'node:crypto';
import { NodeClient } from '../../src/cli/node-client';
import { P2pError } from '../../src/common/errors';
import type { StoreResult } from '../../src/storage/storage.types';
import { TestNode } from './node-harness';

export type Outcome = 'acked' | 'failed' | 'unknown';

export interface LedgerEntry {
  seq: number;
  op: 'store' | 'delete';
  key: string;
  via: string;
  outcome: Outcome;
  /** The version the client was given (acked ops). */
  version?: string;
  /** SHA-256 of what a store wrote. */
  contentHash?: string;
  error?: string;
  result?: StoreResult;
}

/** Codes that mean the client does not know whether the op happened. */
const UNKNOWN_CODES = new Set(['PEER_TIMEOUT', 'PEER_UNREACHABLE']);
/** A delete that failed for a reason other than "not found" may have left tombstones that spread. */
const DELETE_NO_EFFECT = new Set(['FILE_NOT_FOUND']);

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

export class WriteLedger {
  readonly entries: LedgerEntry[] = [];
  private readonly contents = new Map<string, Buffer>();

  async store(via: TestNode, key: string, body: Buffer, timeout = '30s'): Promise<LedgerEntry> {
    const entry = this.open('store', key, via);
    entry.contentHash = sha256(body);
    this.contents.set(entry.contentHash, body);
    const client = NodeClient.fromOptions({ bootstrap: via.p2p, timeout });
    try {
      const result = await client.store(key, (async function* () {
        yield body;
      })());
      Object.assign(entry, { outcome: 'acked', version: result.version, result });
    } catch (err) {
      this.failed(entry, err, UNKNOWN_CODES);
    } finally {
      client.close();
    }
    return entry;
  }

  async delete(via: TestNode, key: string, timeout = '30s'): Promise<LedgerEntry> {
    const entry = this.open('delete', key, via);
    const client = NodeClient.fromOptions({ bootstrap: via.p2p, timeout });
    try {
      const result = await client.delete(key);
      Object.assign(entry, { outcome: 'acked', version: result.version });
    } catch (err) {
      const code = err instanceof P2pError ? err.code : '';
      this.failed(entry, err, DELETE_NO_EFFECT.has(code) ? new Set() : new Set([code]));
    } finally {
      client.close();
    }
    return entry;
  }

  keys(): string[] {
    return [...new Set(this.entries.map((e) => e.key))].sort();
  }

  /**
   * The content hashes a key may end with (null: deleted or never stored), by the rule above.
   */
  allowedFinal(key: string): Set<string | null> {
    const ops = this.entries.filter((e) => e.key === key);
    const acked = ops.filter((e) => e.outcome === 'acked').sort((a, b) => (a.version! < b.version! ? -1 : 1));
    const newest = acked[acked.length - 1];
    const allowed = new Set<string | null>([newest ? (newest.op === 'store' ? newest.contentHash! : null) : null]);
    for (const e of ops.filter((o) => o.outcome === 'unknown')) allowed.add(e.op === 'store' ? e.contentHash! : null);
    return allowed;
  }

  /** What the newest acknowledged op of a key left (for checks that need one answer). */
  newestAcked(key: string): LedgerEntry | undefined {
    return this.entries.filter((e) => e.key === key && e.outcome === 'acked').sort((a, b) => (a.version! < b.version! ? -1 : 1)).pop();
  }

  body(contentHash: string): Buffer | undefined {
    return this.contents.get(contentHash);
  }

  /** Outcomes counted, failures by error code: `{ acked: 61, failed: 7, unknown: 0, QUORUM_NOT_REACHED: 5, ... }`. */
  counts(): Record<string, number> {
    const out: Record<string, number> = { acked: 0, failed: 0, unknown: 0 };
    for (const e of this.entries) {
      out[e.outcome] += 1;
      if (e.error) {
        const code = e.error.split(':')[0];
        out[code] = (out[code] ?? 0) + 1;
      }
    }
    return out;
  }

  /** One line per op, for a failure message. */
  describe(key?: string): string {
    return this.entries
      .filter((e) => !key || e.key === key)
      .map((e) => `#${e.seq} ${e.op} ${e.key} via ${e.via}: ${e.outcome}${e.version ? ` v=${e.version}` : ''}${e.contentHash ? ` content=${e.contentHash.slice(0, 8)}` : ''}${e.error ? ` (${e.error})` : ''}`)
      .join('\n');
  }

  private open(op: LedgerEntry['op'], key: string, via: TestNode): LedgerEntry {
    const entry: LedgerEntry = { seq: this.entries.length, op, key, via: via.name, outcome: 'unknown' };
    this.entries.push(entry);
    return entry;
  }

  private failed(entry: LedgerEntry, err: unknown, unknownCodes: Set<string>): void {
    const code = err instanceof P2pError ? err.code : 'ERROR';
    entry.outcome = unknownCodes.has(code) ? 'unknown' : 'failed';
    entry.error = `${code}: ${(err as Error).message}`.slice(0, 300);
  }
}

export { sha256 };
