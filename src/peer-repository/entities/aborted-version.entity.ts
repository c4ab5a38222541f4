import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A version of a key whose store was reported to its client as failed: that exact version is
 * refused wherever it arrives and removed wherever it is held, while older and newer versions
 * are untouched (see storage/local-replica.ts applyAbort).
 */
@Entity('aborted_versions')
export class AbortedVersionEntity {
  @PrimaryColumn('text')
  key: string;

  /** Indexed on its own too: the aborts past the ttl are a range of versions (abort-settler.ts). */
  @Index('idx_aborted_versions_version')
  @PrimaryColumn('text')
  version: string;

  /** When this node learned of the abort (ms); expiry counts from the version's own time. */
  @Column('integer')
  abortedAt: number;
}
