import { ExitCode, P2pError } from '../common/errors';

/** The database could not be opened or migrated. */
export class DatabaseOpenError extends P2pError {
  constructor(readonly dbPath: string, cause: string) {
    super(`cannot open database "${dbPath}": ${cause}`, 'DATABASE_OPEN', ExitCode.failure);
  }
}
