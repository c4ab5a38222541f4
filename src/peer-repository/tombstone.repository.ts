import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, Repository } from 'typeorm';
import { FileEntity, PreviousVersionEntity, TombstoneEntity } from './entities';
import { chunkHashesOf, removeManifestRows } from './file.repository';
import { forgetPrevious } from './previous-version';
import { changedSince, dataGeneration, dataWrite } from './write-lock';

export interface TombstoneRecord {
  key: string;
  version: string;
  deletedAt: number;
}

/** Keys per IN (...) list: far below SQLite's limit of bound parameters. */
const KEYS_PER_QUERY = 500;

/** Deletes, kept for --tombstone-ttl so an old copy cannot bring a file back. */
@Injectable()
export class TombstoneRepository {
  private readonly repo: Repository<TombstoneEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(TombstoneEntity);
  }

  async get(key: string): Promise<TombstoneRecord | null> {
    const row = await this.repo.findOneBy({ key });
    return row ? { key: row.key, version: row.version, deletedAt: Number(row.deletedAt) } : null;
  }

  async list(): Promise<TombstoneRecord[]> {
    return (await this.repo.find({ order: { key: 'ASC' } })).map((r) => ({ key: r.key, version: r.version, deletedAt: Number(r.deletedAt) }));
  }

  /** The tombstones of these keys that have one. */
  async getMany(keys: readonly string[]): Promise<TombstoneRecord[]> {
    const out: TombstoneRecord[] = [];
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const rows = await this.repo.find({ where: { key: In(keys.slice(i, i + KEYS_PER_QUERY)) } });
      for (const r of rows) out.push({ key: r.key, version: r.version, deletedAt: Number(r.deletedAt) });
    }
    return out;
  }

  /**
   * The tombstones whose version sorts below `floor`, in key order: a range of the version
   * index (a version starts with its time, so these are the deletes made before a moment).
   */
  async versionsBelow(floor: string): Promise<TombstoneRecord[]> {
    const rows = await this.repo.find({ where: { version: LessThan(floor) }, order: { key: 'ASC' } });
    return rows.map((r) => ({ key: r.key, version: r.version, deletedAt: Number(r.deletedAt) }));
  }

  /** Counts the writes to manifests, tombstones and aborts (write-lock.ts). */
  generation(): number {
    return dataGeneration(this.dataSource);
  }

  /** The keys of manifests, tombstones or aborts written since `generation` (undefined: not known). */
  changedSince(generation: number): Set<string> | undefined {
    return changedSince(this.dataSource, generation);
  }

  /** The tombstone version of each of these keys that has one (one query). */
  async versionsOf(keys: readonly string[]): Promise<Map<string, string>> {
    const rows = keys.length ? await this.repo.find({ select: { key: true, version: true }, where: { key: In([...keys]) } }) : [];
    return new Map(rows.map((r) => [r.key, r.version]));
  }

  async count(): Promise<number> {
    return this.repo.count();
  }

  /**
   * Records a delete (keeping the newer of two tombstones) and removes the key's manifest and
   * shares when the manifest is older, in one transaction. True when a manifest was removed;
   * `freed`, when given, then receives the removed manifest's chunk list.
   */
  applyDelete(key: string, version: string, at = Date.now(), freed?: string[]): Promise<boolean> {
    return dataWrite(this.dataSource, [key], async (m) => {
      const tombstones = m.getRepository(TombstoneEntity);
      const existing = await tombstones.findOneBy({ key });
      if (!existing || existing.version < version) await tombstones.save({ key, version, deletedAt: at });
      // A replaced version kept for a possible abort must not outlive a newer delete.
      const prev = await m.getRepository(PreviousVersionEntity).findOneBy({ key });
      if (prev && prev.version < version) {
        const chunks = await forgetPrevious(m, key);
        freed?.push(...chunks);
      }
      const manifest = await m.getRepository(FileEntity).findOneBy({ key });
      if (!manifest || manifest.version >= version) return false;
      if (freed) freed.push(...(await chunkHashesOf(m, key)));
      await removeManifestRows(m, key);
      return true;
    });
  }

  /** Forgets the tombstone of `key` if it is still this version (true when it was). */
  async drop(key: string, version: string): Promise<boolean> {
    return ((await dataWrite(this.dataSource, [key], (m) => m.getRepository(TombstoneEntity).delete({ key, version }))).affected ?? 0) > 0;
  }

  async deleteOlderThan(cutoffMs: number): Promise<number> {
    return (await dataWrite(this.dataSource, undefined, (m) => m.getRepository(TombstoneEntity).delete({ deletedAt: LessThan(cutoffMs) }))).affected ?? 0;
  }
}
