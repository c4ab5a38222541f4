import { Column, Entity } from 'typeorm';
import { VersionColumns } from './version-columns.entity';

/** A manifest this node holds: the file's identity. Its ordered chunk hashes are in `file_chunks`. */
@Entity('files')
export class FileEntity extends VersionColumns {
  /** How many rows the manifest has in `file_chunks`. */
  @Column('integer')
  chunkCount: number;

  /** 1 once this node knows the version's store was acknowledged (FileManifest.settled). */
  @Column('integer', { default: 0 })
  settled?: number;
}
