import { Command, CommandRunner, SubCommand } from 'nest-commander';
import { FileRepository } from '../../peer-repository/file.repository';
import { withDatabase } from '../local-db';
import { DbCommand, DbOptions } from '../options';
import { formatTime, printJson, printTable, unknownSubcommand } from '../output';

@SubCommand({ name: 'list', description: 'List the files this node holds (reads its database)' })
export class FilesListCommand extends DbCommand {
  async run(_: string[], options: DbOptions): Promise<void> {
    const files = await withDatabase(options.db, (db) => new FileRepository(db).summaries(), 'files list');
    if (options.json) {
      printJson(files.map((f) => ({ key: f.key, size: f.size, contentHash: f.contentHash, version: f.version, chunks: f.chunkCount, createdAt: new Date(f.createdAt).toISOString() })));
      return;
    }
    printTable(['KEY', 'SIZE', 'CHUNKS', 'STORED', 'CONTENT HASH'], files.map((f) => [f.key, String(f.size), String(f.chunkCount), formatTime(f.createdAt), f.contentHash.slice(0, 16)]));
  }
}

@Command({ name: 'files', description: 'Files held by a node', subCommands: [FilesListCommand] })
export class FilesCommand extends CommandRunner {
  /** `files` alone shows its usage (exit 2, as git does); `files lsit` is an error with a hint. */
  async run([word]: string[]): Promise<void> {
    if (word === undefined) this.command.help({ error: true });
    throw unknownSubcommand(this.command, word);
  }
}
