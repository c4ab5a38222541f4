import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small facts about this node that outlive restarts (its node id, its last sync). */
@Entity('node_meta')
export class NodeMetaEntity {
  @PrimaryColumn('text')
  name: string;

  @Column('text')
  value: string;
}
