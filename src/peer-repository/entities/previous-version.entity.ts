import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { VersionColumns } from './version-columns.entity';

/**
 * The version a commit replaced, kept until the store that replaced it is known to have been
 * acknowledged (or for a while at most), so that an abort of the new version can put it back.
 * Its chunk list is in `previous_chunks`, indexed by hash like `file_chunks`, so garbage
 * collection leaves those chunks alone meanwhile.
 */
@Entity('previous_versions')
export class PreviousVersionEntity extends VersionColumns {
  /** JSON list of the node ids its shares named. */
  @Column('text')
  holders: string;

  /** When it was replaced (ms): it is forgotten PREVIOUS_HOLD_MS after (indexed for that look). */
  @Index('idx_previous_versions_kept')
  @Column('integer')
  keptAt: number;
}

@Entity('previous_chunks')
export class PreviousChunkEntity {
  @PrimaryColumn('text')
  key: string;

  @PrimaryColumn('integer')
  idx: number;

  @Index('idx_previous_chunks_hash')
  @Column('text')
  hash: string;
}
