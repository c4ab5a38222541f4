import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One chunk of a held manifest, in order: the chunk table. It keeps a manifest's chunk list
 * out of a single text column (a file of any size has as many rows as chunks), and its index
 * on the hash answers "does any held manifest still use this chunk?" with one lookup, which is
 * what garbage collection asks for each chunk it could free.
 */
@Entity('file_chunks')
export class FileChunkEntity {
  @PrimaryColumn('text')
  key: string;

  /** Position of the chunk in the file, from 0. */
  @PrimaryColumn('integer')
  idx: number;

  /** SHA-256 (hex) of the chunk. */
  @Index('idx_file_chunks_hash')
  @Column('text')
  hash: string;
}
