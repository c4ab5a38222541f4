import { ExitCode, P2pError } from '../common/errors';

/** The database could not be opened or migrated (an unusable --db is bad input: exit 2). */
export class DatabaseOpenError extends P2pError {
  constructor(readonly dbPath: string, cause: string) {
    super(`cannot open database "${dbPath}": ${cause}`, 'DATABASE_OPEN', ExitCode.usage);
  }
}

/** The --db path cannot hold a database (a file where a folder must be, no permission, ...). */
export class DatabasePathError extends P2pError {
  constructor(readonly dbPath: string, problem: string) {
    super(`--db "${dbPath}": ${problem}`, 'DATABASE_PATH', ExitCode.usage);
  }
}

/** A command that reads a node's database was pointed at one that does not exist. */
export class DatabaseMissingError extends P2pError {
  constructor(readonly dbPath: string, hint: string) {
    super(`no database at "${dbPath}" (--db or P2P_DB; read commands never create one)${hint ? `; ${hint}` : ''}`, 'DATABASE_MISSING', ExitCode.usage);
  }
}
