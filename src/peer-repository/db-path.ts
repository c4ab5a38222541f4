/**
 * Checks a `--db` path before SQLite sees it, so that every unusable path is one line naming
 * the path and the reason, at once. Left to themselves, a recursive mkdir under /proc spins
 * forever (it reads ENOENT as "parent missing" and retries), and SQLite's "unable to open
 * database file" names neither the folder nor the cause.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseMissingError, DatabasePathError } from './peer-repository.errors';

/** "permission denied" from "EACCES: permission denied, mkdir '/x'" (our message names the path). */
export function errnoReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return /^[A-Z0-9_]+: ([^,]+)/.exec(e?.message ?? '')?.[1] ?? e?.code ?? String(err);
}

class PathCheck {
  constructor(private readonly dbPath: string) {}

  fail(problem: string): never {
    throw new DatabasePathError(this.dbPath, problem);
  }

  stat(p: string): fs.Stats | undefined {
    try {
      return fs.statSync(p);
    } catch (err) {
      // ENOTDIR: a file stands where a folder should be; the walk up finds and names it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      return this.fail(`cannot look at "${p}": ${errnoReason(err)}`);
    }
  }

  access(p: string, mode: number, what: string): void {
    try {
      fs.accessSync(p, mode);
    } catch (err) {
      this.fail(`${what} "${p}": ${errnoReason(err)}`);
    }
  }
}

/** An existing database (read and maintenance commands): never created; missing is an error with a hint. */
export function checkExistingDatabase(dbPath: string, hint = ''): void {
  const check = new PathCheck(dbPath);
  const st = check.stat(dbPath);
  if (!st) throw new DatabaseMissingError(dbPath, hint);
  if (st.isDirectory()) check.fail('is a folder, not a database file');
  check.access(dbPath, fs.constants.R_OK, 'cannot read');
}

/**
 * A node's database: the file may exist (then it must be a file it can write) or not (then its
 * folder must be writable); missing folders are made one level at a time.
 */
export function prepareDatabasePath(dbPath: string): void {
  const check = new PathCheck(dbPath);
  const st = check.stat(dbPath);
  if (st?.isDirectory()) check.fail('is a folder, not a database file');
  const dir = path.dirname(dbPath);
  if (st) {
    check.access(dbPath, fs.constants.R_OK | fs.constants.W_OK, 'cannot write');
    // SQLite keeps its write-ahead log beside the database.
    check.access(dir, fs.constants.W_OK | fs.constants.X_OK, 'cannot write in');
    return;
  }
  const missing: string[] = [];
  let existing = dir;
  while (!check.stat(existing)) {
    missing.unshift(existing);
    existing = path.dirname(existing);
  }
  if (!fs.statSync(existing).isDirectory()) check.fail(`"${existing}" is not a folder`);
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (err) {
      check.fail(`cannot create folder "${folder}": ${errnoReason(err)}`);
    }
  }
  check.access(dir, fs.constants.W_OK | fs.constants.X_OK, 'cannot create the database in');
}
