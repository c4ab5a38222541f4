/**
 * The rows of recent key reports, kept in memory so that a read asks SQLite (a query through
 * TypeORM and the sqlite3 thread pool, the largest cost of serving a small object) only once
 * per key between two writes of it. Bounded by an estimate of its bytes, least recently used
 * out first.
 *
 * Never stale: every write to what a report reads drops its keys (`invalidate`, told by
 * write-lock.ts onKeysWritten once the write has finished and before its writer goes on), and a
 * row read from SQLite is kept only when no write of its key finished while it was being read
 * (`begin` hands out a ticket that such a write voids): a row read before a write but returned
 * after it is answered to its reader, which asked before the write finished, and not kept.
 */

/** What one kept row costs, roughly: its strings (two bytes per character at most) and the entry. */
export type RowSize<Row> = (row: Row) => number;

interface Ticket {
  valid: boolean;
}

export class KeyReportCache<Row> {
  private readonly rows = new Map<string, { row: Row; bytes: number }>();
  private readonly reading = new Map<string, Set<Ticket>>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: RowSize<Row>,
  ) {}

  get size(): number {
    return this.rows.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** The kept row of `key`, now the most recently used; undefined when none is kept. */
  get(key: string): Row | undefined {
    const entry = this.rows.get(key);
    if (!entry) return undefined;
    this.rows.delete(key);
    this.rows.set(key, entry);
    return entry.row;
  }

  /** Call before reading `key` from SQLite; hand the ticket to `keep` with what was read. */
  begin(key: string): Ticket {
    const ticket = { valid: true };
    const set = this.reading.get(key);
    if (set) set.add(ticket);
    else this.reading.set(key, new Set([ticket]));
    return ticket;
  }

  /** Keeps `row` as what `key` holds, unless a write of `key` finished since `ticket` was taken. */
  keep(key: string, ticket: Ticket, row: Row): void {
    this.release(key, ticket);
    if (!ticket.valid) return;
    const bytes = this.sizeOf(row);
    if (bytes > this.maxBytes / 16) return; // a very large chunk list: its read is all transfer anyway
    this.drop(key);
    this.rows.set(key, { row, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.rows) {
      if (this.bytes <= this.maxBytes) break;
      this.rows.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  /** A read that failed: its ticket is given back. */
  abandon(key: string, ticket: Ticket): void {
    this.release(key, ticket);
  }

  /** A write of these keys finished (undefined: of any key): forget them, void their reads. */
  invalidate(keys: readonly string[] | undefined): void {
    if (keys === undefined) {
      this.rows.clear();
      this.bytes = 0;
      for (const set of this.reading.values()) for (const t of set) t.valid = false;
      this.reading.clear();
      return;
    }
    for (const key of keys) {
      this.drop(key);
      const set = this.reading.get(key);
      if (!set) continue;
      for (const t of set) t.valid = false;
      this.reading.delete(key);
    }
  }

  private release(key: string, ticket: Ticket): void {
    const set = this.reading.get(key);
    if (!set) return;
    set.delete(ticket);
    if (set.size === 0) this.reading.delete(key);
  }

  private drop(key: string): void {
    const entry = this.rows.get(key);
    if (!entry) return;
    this.rows.delete(key);
    this.bytes -= entry.bytes;
  }
}
