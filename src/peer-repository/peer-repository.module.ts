import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, initialiseDatabase } from './data-source';
import { FileRepository } from './file.repository';
import { NodeMetaRepository } from './node-meta.repository';
import { PeerRepository } from './peer.repository';
import { ShareRepository } from './share.repository';
import { TombstoneRepository } from './tombstone.repository';

const REPOSITORIES = [PeerRepository, FileRepository, ShareRepository, TombstoneRepository, NodeMetaRepository];

/** The node's SQLite database and its repositories; global, opened once per node. */
@Global()
@Module({})
export class PeerRepositoryModule {
  static forRoot(options: { dbPath: string }): DynamicModule {
    return {
      module: PeerRepositoryModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(options.dbPath),
          dataSourceFactory: async (opts) => initialiseDatabase(new DataSource(opts!), options.dbPath),
        }),
      ],
      providers: REPOSITORIES,
      exports: REPOSITORIES,
    };
  }
}
