import { Module } from '@nestjs/common';
import { CleanupCommand } from './commands/cleanup.command';
import { DeleteCommand } from './commands/delete.command';
import { FilesCommand, FilesListCommand } from './commands/files.command';
import { S3Command, S3KeygenCommand } from './commands/s3.command';
import { GetCommand } from './commands/get.command';
import { PeersCommand } from './commands/peers.command';
import { ServeCommand } from './commands/serve.command';
import { SharesCommand } from './commands/shares.command';
import { StoreCommand } from './commands/store.command';
import { InspectCommand } from './commands/inspect.command';

/** Every command of `p2p`; each is a thin shell over the modules. */
@Module({
  providers: [ServeCommand, StoreCommand, GetCommand, DeleteCommand, PeersCommand, CleanupCommand, FilesCommand, FilesListCommand, SharesCommand, InspectCommand, S3Command, S3KeygenCommand],
})
export class CliModule {}
