import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { FileEntity, ShareEntity, TombstoneEntity } from './entities';
import { writeTransaction } from './write-lock';

export interface FileManifest {
  key: string;
  version: string;
  size: number;
  contentHash: string;
  chunkSize: number;
  chunks: string[];
  createdAt: number;
}

/** The manifests this node holds. */
@Injectable()
export class FileRepository {
  private readonly repo: Repository<FileEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(FileEntity);
  }

  async get(key: string): Promise<FileManifest | null> {
    const row = await this.repo.findOneBy({ key });
    return row ? fromRow(row) : null;
  }

  async list(): Promise<FileManifest[]> {
    return (await this.repo.find({ order: { key: 'ASC' } })).map(fromRow);
  }

  /** Key and version of every held manifest (what anti-entropy compares), without chunk lists. */
  async versions(): Promise<Array<{ key: string; version: string }>> {
    return this.repo.find({ select: { key: true, version: true } });
  }

  async count(): Promise<number> {
    return this.repo.count();
  }

  async referencedChunkHashes(): Promise<Set<string>> {
    const rows = await this.repo.find({ select: { chunks: true } });
    const out = new Set<string>();
    for (const r of rows) for (const h of JSON.parse(r.chunks) as string[]) out.add(h);
    return out;
  }

  /**
   * Makes `manifest` the held version of its key, with `holders` as its shares, in one
   * transaction. Refused (false) when a tombstone or a stored manifest is at least as new.
   */
  saveManifest(manifest: FileManifest, holders: string[]): Promise<boolean> {
    return writeTransaction(this.dataSource, async (m) => {
      const tombstone = await m.getRepository(TombstoneEntity).findOneBy({ key: manifest.key });
      if (tombstone && tombstone.version >= manifest.version) return false;
      const current = await m.getRepository(FileEntity).findOneBy({ key: manifest.key });
      if (current && current.version >= manifest.version) return false;
      await m.getRepository(FileEntity).save(toRow(manifest));
      await replaceShares(m, manifest.key, manifest.version, holders);
      return true;
    });
  }

  async delete(key: string): Promise<void> {
    await writeTransaction(this.dataSource, async (m) => {
      await m.getRepository(FileEntity).delete({ key });
      await m.getRepository(ShareEntity).delete({ key });
    });
  }
}

export async function replaceShares(m: EntityManager, key: string, version: string, holders: string[]): Promise<void> {
  const shares = m.getRepository(ShareEntity);
  await shares.delete({ key });
  const now = Date.now();
  const rows = [...new Set(holders)].map((nodeId) => ({ key, nodeId, version, confirmedAt: now }));
  if (rows.length) await shares.insert(rows);
}

function toRow(f: FileManifest): FileEntity {
  return { key: f.key, version: f.version, size: f.size, contentHash: f.contentHash, chunkSize: f.chunkSize, chunks: JSON.stringify(f.chunks), createdAt: f.createdAt };
}

function fromRow(r: FileEntity): FileManifest {
  return {
    key: r.key,
    version: r.version,
    size: Number(r.size),
    contentHash: r.contentHash,
    chunkSize: Number(r.chunkSize),
    chunks: JSON.parse(r.chunks) as string[],
    createdAt: Number(r.createdAt),
  };
}
