import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, Repository } from 'typeorm';
import { AbortedVersionEntity, FileEntity, PreviousVersionEntity, TombstoneEntity } from './entities';
import { chunkHashesOf, markSettled, removeManifestRows } from './file.repository';
import { forgetPrevious, restorePrevious } from './previous-version';
import { dataWrite, keyWrite, writeTransaction } from './write-lock';

export interface AbortRecord {
  key: string;
  version: string;
  abortedAt: number;
}

/** What applying an abort did to the held copy of its key. */
export type AbortEffect = 'restored' | 'removed' | 'none';

/**
 * What a store's outcome leaves behind on a holder: the versions whose stores failed (aborted:
 * refused and removed for good), and the version each commit replaced (kept until the store
 * that replaced it is known to be acknowledged, so an abort can put it back).
 */
@Injectable()
export class StoreOutcomeRepository {
  private readonly aborts: Repository<AbortedVersionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.aborts = dataSource.getRepository(AbortedVersionEntity);
  }

  async list(): Promise<AbortRecord[]> {
    return (await this.aborts.find({ order: { key: 'ASC', version: 'ASC' } })).map((r) => ({ key: r.key, version: r.version, abortedAt: Number(r.abortedAt) }));
  }

  /** The aborts whose version sorts below `floor` (a range of the version index), in key and version order. */
  async versionsBelow(floor: string): Promise<AbortRecord[]> {
    return (await this.aborts.find({ where: { version: LessThan(floor) }, order: { key: 'ASC', version: 'ASC' } })).map((r) => ({ key: r.key, version: r.version, abortedAt: Number(r.abortedAt) }));
  }

  /** The aborts held of these keys (one query). */
  async listOf(keys: readonly string[]): Promise<AbortRecord[]> {
    if (keys.length === 0) return [];
    return (await this.aborts.find({ where: { key: In([...keys]) } })).map((r) => ({ key: r.key, version: r.version, abortedAt: Number(r.abortedAt) }));
  }

  /** The aborted versions of one key. */
  async abortedVersions(key: string): Promise<string[]> {
    return (await this.aborts.find({ select: { version: true }, where: { key } })).map((r) => r.version);
  }

  async count(): Promise<number> {
    return this.aborts.count();
  }

  /**
   * Records that `version` of `key` failed, in one transaction: if it is the held version it is
   * removed and the version it replaced, when still kept (and neither aborted nor deleted),
   * becomes the held version again; a kept previous of exactly this version is forgotten.
   * `freed` receives the chunk lists that no longer belong to any version here.
   */
  applyAbort(key: string, version: string, at: number, freed: string[]): Promise<AbortEffect> {
    return dataWrite(this.dataSource, [key], async (m) => {
      const aborts = m.getRepository(AbortedVersionEntity);
      if (!(await aborts.findOneBy({ key, version }))) await aborts.insert({ key, version, abortedAt: at });
      const prev = await m.getRepository(PreviousVersionEntity).findOneBy({ key });
      if (prev?.version === version) freed.push(...(await forgetPrevious(m, key)));
      const current = await m.getRepository(FileEntity).findOneBy({ key });
      if (!current || current.version !== version) return 'none';
      freed.push(...(await chunkHashesOf(m, key)));
      await removeManifestRows(m, key);
      const usable = async (v: string) => {
        const tombstone = await m.getRepository(TombstoneEntity).findOneBy({ key });
        return v < version && !(tombstone && tombstone.version >= v) && !(await aborts.findOneBy({ key, version: v }));
      };
      return (await restorePrevious(m, key, usable)) ? 'restored' : 'removed';
    });
  }

  /**
   * The store of `version` was acknowledged: when it is the held version it is marked so (and
   * passes that on with its copies), and the version it replaced is not needed any more.
   */
  settle(key: string, version: string): Promise<string[]> {
    // Neither the kept version nor the settled mark is what anti-entropy compares: no data
    // generation (write-lock.ts). A stale view sends the copy unmarked, which only keeps more.
    return keyWrite(this.dataSource, [key], async (m) => {
      const current = await m.getRepository(FileEntity).findOneBy({ key });
      if (current?.version !== version) return [];
      return markSettled(m, key);
    });
  }

  /** Forgets previous versions kept since before `cutoffMs`; returns their chunk lists. */
  expirePrevious(cutoffMs: number): Promise<string[]> {
    return writeTransaction(this.dataSource, async (m) => {
      const old = await m.getRepository(PreviousVersionEntity).find({ select: { key: true }, where: { keptAt: LessThan(cutoffMs) } });
      const freed: string[] = [];
      for (const { key } of old) freed.push(...(await forgetPrevious(m, key)));
      return freed;
    });
  }

  /** Forgets the abort of `key` at `version` (true when it was held). */
  async drop(key: string, version: string): Promise<boolean> {
    return ((await dataWrite(this.dataSource, [key], (m) => m.getRepository(AbortedVersionEntity).delete({ key, version }))).affected ?? 0) > 0;
  }
}
