import { Column, PrimaryColumn } from 'typeorm';

/**
 * The columns of one version of a file, shared by the held manifest (`files`) and the version
 * a commit replaced (`previous_versions`): each table is its own (TypeORM's concrete table
 * inheritance), with these columns and its own.
 */
export abstract class VersionColumns {
  @PrimaryColumn('text')
  key: string;

  /** Hybrid logical clock stamp; compares as a string. */
  @Column('text')
  version: string;

  @Column('integer')
  size: number;

  /** SHA-256 (hex) of the whole content. */
  @Column('text')
  contentHash: string;

  @Column('integer')
  chunkSize: number;

  @Column('integer')
  createdAt: number;

  /** JSON object of strings: opaque metadata the file was stored with, or NULL. */
  @Column('text', { nullable: true })
  meta?: string | null;
}
