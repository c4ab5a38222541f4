import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FileRepository } from './file.repository';
import { KeyPageRepository } from './key-page.repository';
import { KeyReportRepository } from './key-report.repository';
import { NodeMetaRepository } from './node-meta.repository';
import { PeerRepository } from './peer.repository';
import { ShareRepository } from './share.repository';
import { StoreOutcomeRepository } from './store-outcome.repository';
import { TombstoneRepository } from './tombstone.repository';

const REPOSITORIES = [PeerRepository, FileRepository, ShareRepository, TombstoneRepository, NodeMetaRepository, KeyPageRepository, KeyReportRepository, StoreOutcomeRepository];

/**
 * The node's SQLite database and its repositories; global. The node opens the database before
 * Nest starts (openDatabase), so that an unusable --db is one line at once rather than Nest's
 * retries and stack traces; TypeORM's module adopts it and closes it on shutdown.
 */
@Global()
@Module({})
export class PeerRepositoryModule {
  static forRoot(dataSource: DataSource): DynamicModule {
    return {
      module: PeerRepositoryModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSource.options,
          dataSourceFactory: async () => dataSource,
        }),
      ],
      providers: REPOSITORIES,
      exports: REPOSITORIES,
    };
  }
}
