import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A manifest this node holds: the file's identity. Its ordered chunk hashes are in `file_chunks`. */
@Entity('files')
export class FileEntity {
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

  /** How many rows the manifest has in `file_chunks`. */
  @Column('integer')
  chunkCount: number;

  @Column('integer')
  createdAt: number;

  /** JSON object of strings: opaque metadata the file was stored with, or NULL. */
  @Column('text', { nullable: true })
  meta?: string | null;

  /** 1 once this node knows the version's store was acknowledged (FileManifest.settled). */
  @Column('integer', { default: 0 })
  settled?: number;
}
