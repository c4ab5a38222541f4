import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A member of the cluster as this node last knew it. Keyed by node id, never by address. */
@Entity('peers')
export class PeerEntity {
  @PrimaryColumn('text')
  nodeId: string;

  /** "host:port" the member advertises. */
  @Column('text')
  address: string;

  /** alive | suspect | dead | left */
  @Index('idx_peers_status')
  @Column('text')
  status: string;

  @Column('integer', { default: 0 })
  incarnation: number;

  /** Milliseconds since the epoch. */
  @Column('integer')
  lastSeen: number;

  @Column('integer')
  updatedAt: number;
}
