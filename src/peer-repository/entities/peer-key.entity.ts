import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The key a node id is pinned to: the fingerprint (SHA-256 of the SPKI) of the TLS key the
 * node showed first. Kept apart from `peers` so that `p2p cleanup` forgetting a stale member
 * never un-pins its key; only `p2p peers forget <id>` does.
 */
@Entity('peer_keys')
export class PeerKeyEntity {
  @PrimaryColumn('text')
  nodeId: string;

  @Column('text')
  fingerprint: string;

  /** Milliseconds since the epoch. */
  @Column('integer')
  pinnedAt: number;
}
