import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, Not, Repository } from 'typeorm';
import { PeerEntity, PeerKeyEntity } from './entities';
import { serialized, writeTransaction } from './write-lock';

export type PeerStatus = 'alive' | 'suspect' | 'dead' | 'left';

export interface PeerRecord {
  nodeId: string;
  address: string;
  status: PeerStatus;
  incarnation: number;
  lastSeen: number;
}

/** Peers by node id: what membership persists and what `peers`/`cleanup` read. */
@Injectable()
export class PeerRepository {
  private readonly repo: Repository<PeerEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(PeerEntity);
  }

  async upsert(peer: PeerRecord): Promise<void> {
    await this.upsertMany([peer]);
  }

  async upsertMany(peers: PeerRecord[]): Promise<void> {
    if (peers.length === 0) return;
    const now = Date.now();
    await writeTransaction(this.dataSource, async (m) => {
      await m.getRepository(PeerEntity).upsert(
        peers.map((p) => ({ ...toRow(p), updatedAt: now })),
        ['nodeId'],
      );
    });
  }

  /**
   * Updates the rows of these peers where they still exist, never creating one (members that
   * are gone: a row `cleanup` removed stays removed). Returns the ids that had no row.
   */
  async updateExisting(peers: PeerRecord[]): Promise<string[]> {
    if (peers.length === 0) return [];
    const now = Date.now();
    return writeTransaction(this.dataSource, async (m) => {
      const missing: string[] = [];
      for (const p of peers) {
        const { nodeId, ...row } = toRow(p);
        const result = await m.getRepository(PeerEntity).update({ nodeId }, { ...row, updatedAt: now });
        if (!result.affected) missing.push(nodeId);
      }
      return missing;
    });
  }

  async deleteMany(nodeIds: string[]): Promise<void> {
    if (nodeIds.length === 0) return;
    await serialized(this.dataSource, () => this.repo.delete({ nodeId: In(nodeIds) }));
  }

  async get(nodeId: string): Promise<PeerRecord | null> {
    const row = await this.repo.findOneBy({ nodeId });
    return row ? fromRow(row) : null;
  }

  async list(): Promise<PeerRecord[]> {
    return (await this.repo.find({ order: { address: 'ASC', nodeId: 'ASC' } })).map(fromRow);
  }

  async setStatus(nodeId: string, status: PeerStatus, at = Date.now()): Promise<void> {
    await serialized(this.dataSource, () => this.repo.update({ nodeId }, { status, updatedAt: at }));
  }

  /** Every key pin: node id -> fingerprint of the TLS key it showed first. */
  async listKeyPins(): Promise<Map<string, string>> {
    const rows = await this.dataSource.getRepository(PeerKeyEntity).find();
    return new Map(rows.map((r) => [r.nodeId, r.fingerprint]));
  }

  async keyPin(nodeId: string): Promise<string | undefined> {
    return (await this.dataSource.getRepository(PeerKeyEntity).findOneBy({ nodeId }))?.fingerprint;
  }

  /**
   * Pins `fingerprint` for `nodeId` unless a pin exists (the first one stays); it replaces the
   * marker `forget` leaves (an empty fingerprint).
   */
  async pinKey(nodeId: string, fingerprint: string, at = Date.now()): Promise<void> {
    await serialized(this.dataSource, () =>
      this.dataSource.query(
        `INSERT INTO "peer_keys" ("nodeId", "fingerprint", "pinnedAt") VALUES (?, ?, ?)
         ON CONFLICT ("nodeId") DO UPDATE SET "fingerprint" = excluded."fingerprint", "pinnedAt" = excluded."pinnedAt" WHERE "peer_keys"."fingerprint" = ''`,
        [nodeId, fingerprint, at],
      ),
    );
  }

  /**
   * Forgets a node's key pin (and its member record), so it is accepted with a new key. The pin
   * becomes a marker (an empty fingerprint) so that the next key is taken from a handshake
   * only, not from the gossip of nodes that still pin the old one. Returns whether anything was known.
   */
  async forget(nodeId: string): Promise<boolean> {
    return writeTransaction(this.dataSource, async (m) => {
      const pins = await m.getRepository(PeerKeyEntity).delete({ nodeId });
      const peers = await m.getRepository(PeerEntity).delete({ nodeId });
      const known = (pins.affected ?? 0) + (peers.affected ?? 0) > 0;
      if (known) await m.getRepository(PeerKeyEntity).insert({ nodeId, fingerprint: '', pinnedAt: Date.now() });
      return known;
    });
  }

  /** Removes peers that are not alive and were last seen before `now - olderThanMs`. */
  async deleteStale(olderThanMs: number, now = Date.now()): Promise<number> {
    const result = await serialized(this.dataSource, () => this.repo.delete({ status: Not('alive'), lastSeen: LessThan(now - olderThanMs) }));
    return result.affected ?? 0;
  }
}

function toRow(p: PeerRecord): Omit<PeerEntity, 'updatedAt'> {
  return { nodeId: p.nodeId, address: p.address, status: p.status, incarnation: p.incarnation, lastSeen: Math.round(p.lastSeen) };
}

function fromRow(r: PeerEntity): PeerRecord {
  return { nodeId: r.nodeId, address: r.address, status: r.status as PeerStatus, incarnation: Number(r.incarnation), lastSeen: Number(r.lastSeen) };
}
