import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { AbortedVersionEntity, FileChunkEntity, FileEntity, PreviousChunkEntity, ShareEntity, TombstoneEntity } from './entities';
import { forgetPrevious, insertChunkRows, keepPrevious } from './previous-version';
import { ManifestItem, listsByKey, saveManifestBatch } from './manifest-batch';
import { changedSince, dataGeneration, dataWrite } from './write-lock';

export interface FileManifest {
  key: string;
  version: string;
  size: number;
  contentHash: string;
  chunkSize: number;
  chunks: string[];
  createdAt: number;
  /** Opaque metadata stored with the file (see storage/file-meta.ts); absent when none. */
  meta?: Record<string, string>;
  /**
   * This version's store is known to have been acknowledged (a settle reached the node that
   * sends it, or the copy it had came so marked): no abort of it can come. Absent: unknown.
   */
  settled?: true;
}

/** A manifest's identity without its chunk list (listings). */
export type FileSummary = Omit<FileManifest, 'chunks'> & { chunkCount: number };

/** The manifests this node holds; their chunk lists are rows of `file_chunks`. */
@Injectable()
export class FileRepository {
  private readonly repo: Repository<FileEntity>;
  private readonly chunkRows: Repository<FileChunkEntity>;
  private readonly previousChunkRows: Repository<PreviousChunkEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(FileEntity);
    this.chunkRows = dataSource.getRepository(FileChunkEntity);
    this.previousChunkRows = dataSource.getRepository(PreviousChunkEntity);
  }

  async get(key: string): Promise<FileManifest | null> {
    const row = await this.repo.findOneBy({ key });
    if (!row) return null;
    const chunks = await this.chunkRows.find({ select: { hash: true }, where: { key }, order: { idx: 'ASC' } });
    return manifestOf(row, chunks.map((c) => c.hash));
  }

  /** The held manifests of these keys (three queries however many keys; absent keys are left out). */
  async getMany(keys: readonly string[]): Promise<FileManifest[]> {
    if (keys.length === 0) return [];
    const rows = await this.repo.findBy({ key: In([...keys]) });
    const chunks = listsByKey(await this.chunkRows.find({ select: { key: true, hash: true }, where: { key: In(rows.map((r) => r.key)) }, order: { key: 'ASC', idx: 'ASC' } }), (c) => c.hash);
    return rows.map((r) => manifestOf(r, chunks.get(r.key) ?? []));
  }

  /** Every held manifest with its chunk list (for a full listing; no timer calls this). */
  async list(): Promise<FileManifest[]> {
    const rows = await this.repo.find({ order: { key: 'ASC' } });
    const chunks = listsByKey(await this.chunkRows.find({ order: { key: 'ASC', idx: 'ASC' } }), (c) => c.hash);
    return rows.map((r) => manifestOf(r, chunks.get(r.key) ?? []));
  }

  /** Every held manifest without its chunks, in key order. */
  async summaries(): Promise<FileSummary[]> {
    return (await this.repo.find({ order: { key: 'ASC' } })).map((r) => ({ ...fromRow(r), chunkCount: Number(r.chunkCount) }));
  }

  /** Key and version of every held manifest (what anti-entropy compares), without chunk lists. */
  async versions(): Promise<Array<{ key: string; version: string }>> {
    return this.repo.find({ select: { key: true, version: true } });
  }

  /**
   * Key and version of up to `limit` held manifests with keys after `after` (SQLite's byte order
   * of keys), as raw rows: reading 100,000 at once, as entities, made tens of MiB of garbage and
   * of native row buffers that the process kept afterwards.
   */
  async versionsAfter(after: string | undefined, limit: number): Promise<Array<{ key: string; version: string }>> {
    return after === undefined
      ? this.dataSource.query('SELECT "key", "version" FROM "files" ORDER BY "key" LIMIT ?', [limit])
      : this.dataSource.query('SELECT "key", "version" FROM "files" WHERE "key" > ? ORDER BY "key" LIMIT ?', [after, limit]);
  }

  /** The held version of each of these keys that has a manifest here (one query). */
  async versionsOf(keys: readonly string[]): Promise<Map<string, string>> {
    const rows = keys.length ? await this.repo.find({ select: { key: true, version: true }, where: { key: In([...keys]) } }) : [];
    return new Map(rows.map((r) => [r.key, r.version]));
  }

  /** Grows with every write to manifests, tombstones or aborts (what anti-entropy compares). */
  generation(): number {
    return dataGeneration(this.dataSource);
  }

  /** The keys of manifests, tombstones or aborts written since `generation` (undefined: not known; see write-lock.ts). */
  changedSince(generation: number): Set<string> | undefined {
    return changedSince(this.dataSource, generation);
  }

  async count(): Promise<number> {
    return this.repo.count();
  }

  /** Whether any held manifest, or a replaced version still kept, names this chunk (index lookups). */
  async isReferenced(hash: string): Promise<boolean> {
    if ((await this.chunkRows.findOne({ select: { key: true }, where: { hash } })) !== null) return true;
    return (await this.previousChunkRows.findOne({ select: { key: true }, where: { hash } })) !== null;
  }

  /** Keys of the held manifests that name this chunk. */
  async keysUsing(hash: string): Promise<string[]> {
    const rows = await this.chunkRows.find({ select: { key: true }, where: { hash } });
    return [...new Set(rows.map((r) => r.key))];
  }

  /**
   * Up to `limit` distinct referenced chunk hashes after `after` in hash order, read through
   * the hash index (the scrubber's cursor: each pass costs its own few rows, not the store's).
   */
  async referencedHashesAfter(after: string, limit: number): Promise<string[]> {
    const rows: Array<{ hash: string }> = await this.dataSource.query(
      'SELECT DISTINCT "hash" FROM "file_chunks" WHERE "hash" > ? ORDER BY "hash" LIMIT ?',
      [after, limit],
    );
    return rows.map((r) => r.hash);
  }

  /** Every distinct referenced chunk hash (tests and offline tools; timers use the lookups above). */
  async referencedChunkHashes(): Promise<Set<string>> {
    const rows: Array<{ hash: string }> = await this.dataSource.query('SELECT "hash" FROM "file_chunks" UNION SELECT "hash" FROM "previous_chunks"');
    return new Set(rows.map((r) => r.hash));
  }

  /**
   * Makes `manifest` the held version of its key, with `holders` as its shares, in one
   * transaction. Refused (false) when a tombstone is at least as new, a stored manifest is
   * newer, or this very version was aborted (its store failed). The version already held is a
   * confirmation (true): a version names one store, and anti-entropy may have copied it here
   * before the store's own commit arrived. The version it replaces is kept aside until that
   * store's outcome is known (previous-version.ts). When given, `replaced` receives chunk lists
   * this commit may have left unused (collection checks each).
   */
  async saveManifest(manifest: FileManifest, holders: string[], replaced?: string[]): Promise<boolean> {
    const [saved] = await this.saveManifests([{ manifest, holders, replaced }]);
    return saved;
  }

  /**
   * saveManifest for many manifests in one transaction (one fsync for all of them): each is
   * judged by the same rules, in order, against what the ones before it left, so two versions
   * of one key in a batch end as the newer. Nothing is saved unless everything is.
   */
  saveManifests(batch: readonly ManifestItem[]): Promise<boolean[]> {
    // Keys not held yet in a few statements for the whole batch (manifest-batch.ts).
    return dataWrite(this.dataSource, batch.map((b) => b.manifest.key), (m) => saveManifestBatch(m, batch, ({ manifest, holders, replaced }) => saveOne(m, manifest, holders, replaced)));
  }

  async delete(key: string): Promise<void> {
    await dataWrite(this.dataSource, [key], (m) => removeManifestRows(m, key));
  }
}

/** Removes a manifest, its chunk rows and its shares (inside the caller's transaction). */
export async function removeManifestRows(m: EntityManager, key: string): Promise<void> {
  await m.getRepository(FileEntity).delete({ key });
  await m.getRepository(FileChunkEntity).delete({ key });
  await m.getRepository(ShareEntity).delete({ key });
}


export async function chunkHashesOf(m: EntityManager, key: string): Promise<string[]> {
  const rows = await m.getRepository(FileChunkEntity).find({ select: { hash: true }, where: { key }, order: { idx: 'ASC' } });
  return rows.map((r) => r.hash);
}

async function saveOne(m: EntityManager, manifest: FileManifest, holders: string[], replaced?: string[]): Promise<boolean> {
  const tombstone = await m.getRepository(TombstoneEntity).findOneBy({ key: manifest.key });
  if (tombstone && tombstone.version >= manifest.version) return false;
  if (await m.getRepository(AbortedVersionEntity).findOneBy({ key: manifest.key, version: manifest.version })) return false;
  const current = await m.getRepository(FileEntity).findOneBy({ key: manifest.key });
  if (current && current.version === manifest.version) {
    if (manifest.settled && !current.settled) replaced?.push(...(await markSettled(m, manifest.key)));
    return true;
  }
  if (current && current.version > manifest.version) return false;
  if (current) {
    const chunks = await chunkHashesOf(m, manifest.key);
    // A version known acknowledged cannot be aborted: nothing needs keeping to put back.
    const displaced = manifest.settled ? await forgetPrevious(m, manifest.key) : await keepPrevious(m, current, chunks, Date.now());
    replaced?.push(...chunks, ...displaced);
  }
  await m.getRepository(FileEntity).save(toRow(manifest));
  await writeChunkRows(m, manifest.key, manifest.chunks);
  await replaceShares(m, manifest.key, manifest.version, holders);
  return true;
}

/**
 * Marks the held version of `key` as known acknowledged and forgets the version it replaced
 * (inside the caller's transaction); returns that version's chunk list.
 */
export async function markSettled(m: EntityManager, key: string): Promise<string[]> {
  await m.getRepository(FileEntity).update({ key }, { settled: 1 });
  return forgetPrevious(m, key);
}

async function writeChunkRows(m: EntityManager, key: string, chunks: string[]): Promise<void> {
  await m.getRepository(FileChunkEntity).delete({ key });
  await insertChunkRows(m, FileChunkEntity, key, chunks);
}

export async function replaceShares(m: EntityManager, key: string, version: string, holders: string[]): Promise<void> {
  const shares = m.getRepository(ShareEntity);
  await shares.delete({ key });
  const now = Date.now();
  const rows = [...new Set(holders)].map((nodeId) => ({ key, nodeId, version, confirmedAt: now }));
  if (rows.length) await shares.insert(rows);
}

function toRow(f: FileManifest): FileEntity {
  return { key: f.key, version: f.version, size: f.size, contentHash: f.contentHash, chunkSize: f.chunkSize, chunkCount: f.chunks.length, createdAt: f.createdAt, meta: f.meta ? JSON.stringify(f.meta) : null, settled: f.settled ? 1 : 0 };
}

export function fromRow(r: FileEntity): Omit<FileManifest, 'chunks'> {
  return {
    key: r.key,
    version: r.version,
    size: Number(r.size),
    contentHash: r.contentHash,
    chunkSize: Number(r.chunkSize),
    createdAt: Number(r.createdAt),
    ...(r.meta ? { meta: JSON.parse(r.meta) as Record<string, string> } : {}),
  };
}

/** A held manifest as a whole: its row, whether it is known settled, and its chunk list. */
export function manifestOf(r: FileEntity, chunks: string[]): FileManifest {
  return { ...fromRow(r), ...(Number(r.settled) === 1 ? { settled: true as const } : {}), chunks };
}
