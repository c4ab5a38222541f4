import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A delete: wins over every manifest of the key with an older version. */
@Entity('tombstones')
export class TombstoneEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  version: string;

  @Column('integer')
  deletedAt: number;
}
