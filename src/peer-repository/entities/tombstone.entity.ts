import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A delete: wins over every manifest of the key with an older version. */
@Entity('tombstones')
export class TombstoneEntity {
  @PrimaryColumn('text')
  key: string;

  /** Indexed: the tombstones past the ttl are a range of versions (tombstone-settler.ts). */
  @Index('idx_tombstones_version')
  @Column('text')
  version: string;

  @Column('integer')
  deletedAt: number;
}
