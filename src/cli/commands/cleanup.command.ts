import { Command, Option } from 'nest-commander';
import { InvalidInputError } from '../../common/errors';
import { parseDuration } from '../../config/units';
import { PeerRepository } from '../../peer-repository/peer.repository';
import { withDatabase } from '../local-db';
import { DbCommand, DbOptions } from '../options';
import { printJson } from '../output';

interface CleanupOptions extends DbOptions {
  olderThan?: string;
}

@Command({ name: 'cleanup', description: 'Remove peers that are not alive and were last seen longer ago than --older-than' })
export class CleanupCommand extends DbCommand {
  @Option({ flags: '--older-than <duration>', description: 'how long a peer must have been gone (default 10m)', env: 'P2P_OLDER_THAN' })
  parseOlderThan(value: string): string {
    return value;
  }

  async run(_: string[], options: CleanupOptions): Promise<void> {
    const olderThanMs = parseDuration(options.olderThan ?? '10m');
    if (olderThanMs === undefined) throw new InvalidInputError(`--older-than "${options.olderThan}" is not a duration (e.g. 30s, 10m, 1h)`);
    const removed = await withDatabase(options.db, (db) => new PeerRepository(db).deleteStale(olderThanMs), 'cleanup');
    if (options.json) printJson({ removed });
    else process.stdout.write(`Removed ${removed} stale peer(s)\n`);
  }
}
