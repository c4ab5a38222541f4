/**
 * The SQLite database of a node, shared by `serve` (through Nest) and the CLI's read commands.
 * WAL lets the CLI read while the node writes; synchronous=FULL makes an acknowledged store
 * survive power loss; the busy timeout lets `cleanup` wait for the node's writer instead of
 * failing with "database is locked". The schema comes from migrations, never synchronize.
 */
import sqlite3 = require('sqlite3');
import { DataSource, DataSourceOptions } from 'typeorm';
import { describeError } from '../common/errors';
import { ENTITIES } from './entities';
import { Initial1764000000000 } from './migrations/1764000000000-initial';
import { ChunkTable1764100000000 } from './migrations/1764100000000-chunk-table';
import { PeerKeys1765000000000 } from './migrations/1765000000000-peer-keys';
import { checkExistingDatabase, prepareDatabasePath } from './db-path';
import { FileMeta1764600000000 } from './migrations/1764600000000-file-meta';
import { StoreOutcomes1766000000000 } from './migrations/1766000000000-store-outcomes';
import { SettledVersions1767000000000 } from './migrations/1767000000000-settled-versions';
import { SettleIndexes1768000000000 } from './migrations/1768000000000-settle-indexes';
import { DatabaseOpenError } from './peer-repository.errors';

/**
 * sqlite3 as TypeORM gets it, minus verbose mode: TypeORM switches verbose mode on, which wraps
 * every call to capture and format a stack trace, a third of the cost of each of an idle
 * node's periodic queries. Our errors name the operation and path themselves.
 */
const SQLITE3_QUIET = { ...sqlite3, verbose: () => SQLITE3_QUIET };

export function dataSourceOptions(dbPath: string): DataSourceOptions {
  return {
    type: 'sqlite',
    driver: SQLITE3_QUIET,
    database: dbPath,
    entities: ENTITIES,
    migrations: [Initial1764000000000, ChunkTable1764100000000, FileMeta1764600000000, PeerKeys1765000000000, StoreOutcomes1766000000000, SettledVersions1767000000000, SettleIndexes1768000000000],
    // Run by initialiseDatabase once the pragmas are set, so that they commit through the WAL.
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
}

/**
 * Prepares an initialised DataSource: pragmas set, migrations run (openDatabase checked the path). WAL comes
 * first: a new database's schema then commits with one WAL write and fsync rather than the
 * rollback journal's several (a new node's database is ready in about half the time).
 */
export async function initialiseDatabase(ds: DataSource, dbPath: string): Promise<DataSource> {
  try {
    await ds.initialize();
    await ds.query('PRAGMA busy_timeout = 5000');
    await ds.query('PRAGMA journal_mode = WAL');
    await ds.query('PRAGMA synchronous = FULL');
    await ds.runMigrations({ transaction: 'all' });
    return ds;
  } catch (err) {
    if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    throw new DatabaseOpenError(dbPath, describeError(err));
  }
}

export interface OpenOptions {
  /** Read and maintenance commands: the database must exist (never create one); `hint` says where one usually is. */
  existing?: { hint: string };
}

/** Opens (a node: creates if missing) the database at `dbPath`; an unusable path fails at once, naming it. */
export function openDatabase(dbPath: string, options: OpenOptions = {}): Promise<DataSource> {
  if (options.existing) checkExistingDatabase(dbPath, options.existing.hint);
  else prepareDatabasePath(dbPath);
  return initialiseDatabase(new DataSource(dataSourceOptions(dbPath)), dbPath);
}
