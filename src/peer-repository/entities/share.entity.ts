import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Which node holds which file, as far as this node knows. */
@Entity('shares')
export class ShareEntity {
  @PrimaryColumn('text')
  key: string;

  @Index('idx_shares_node')
  @PrimaryColumn('text')
  nodeId: string;

  @Column('text')
  version: string;

  @Column('integer')
  confirmedAt: number;
}
