import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A manifest this node holds: the file's identity and its ordered chunk hashes. */
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

  /** JSON array of the chunks' SHA-256 hex strings, in order. */
  @Column('text')
  chunks: string;

  @Column('integer')
  createdAt: number;
}
