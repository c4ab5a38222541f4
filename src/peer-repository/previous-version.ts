/**
 * The version a commit replaced, kept aside inside the replacing transaction (see
 * PreviousVersionEntity): these helpers run inside the caller's transaction.
 */
import { EntityManager } from 'typeorm';
import { FileChunkEntity, FileEntity, PreviousChunkEntity, PreviousVersionEntity, ShareEntity } from './entities';

/** Rows per INSERT of chunk rows: three parameters each, far below SQLite's limit. */
const ROWS_PER_INSERT = 500;

/**
 * Keeps `current` (with its chunk list) as the key's previous version, in place of any older
 * one; returns the chunk list of the previous version it displaced (now unused by it).
 */
export async function keepPrevious(m: EntityManager, current: FileEntity, chunks: string[], at: number): Promise<string[]> {
  const displaced = await forgetPrevious(m, current.key);
  const shares = await m.getRepository(ShareEntity).find({ select: { nodeId: true }, where: { key: current.key } });
  await m.getRepository(PreviousVersionEntity).insert({
    key: current.key,
    version: current.version,
    size: current.size,
    contentHash: current.contentHash,
    chunkSize: current.chunkSize,
    createdAt: current.createdAt,
    meta: current.meta ?? null,
    holders: JSON.stringify(shares.map((s) => s.nodeId)),
    keptAt: at,
  });
  await insertChunkRows(m, PreviousChunkEntity, current.key, chunks);
  return displaced;
}

/** Removes the previous version of `key` if there is one; returns its chunk list. */
export async function forgetPrevious(m: EntityManager, key: string): Promise<string[]> {
  const rows = await m.getRepository(PreviousChunkEntity).find({ select: { hash: true }, where: { key }, order: { idx: 'ASC' } });
  await m.getRepository(PreviousVersionEntity).delete({ key });
  await m.getRepository(PreviousChunkEntity).delete({ key });
  return rows.map((r) => r.hash);
}

/**
 * Makes the previous version of `key` its held version again, when there is one and `usable`
 * accepts its version (not aborted, not deleted since). The key must have no held manifest.
 */
export async function restorePrevious(m: EntityManager, key: string, usable: (version: string) => Promise<boolean>): Promise<boolean> {
  const prev = await m.getRepository(PreviousVersionEntity).findOneBy({ key });
  if (!prev || !(await usable(prev.version))) return false;
  const chunks = await forgetPrevious(m, key);
  await m.getRepository(FileEntity).insert({
    key,
    version: prev.version,
    size: prev.size,
    contentHash: prev.contentHash,
    chunkSize: prev.chunkSize,
    chunkCount: chunks.length,
    createdAt: prev.createdAt,
    meta: prev.meta ?? null,
  });
  await insertChunkRows(m, FileChunkEntity, key, chunks);
  const now = Date.now();
  const holders = [...new Set(JSON.parse(prev.holders) as string[])];
  if (holders.length) await m.getRepository(ShareEntity).insert(holders.map((nodeId) => ({ key, nodeId, version: prev.version, confirmedAt: now })));
  return true;
}

export async function insertChunkRows(m: EntityManager, table: typeof FileChunkEntity | typeof PreviousChunkEntity, key: string, chunks: string[]): Promise<void> {
  const repo = m.getRepository(table);
  for (let i = 0; i < chunks.length; i += ROWS_PER_INSERT) {
    await repo.insert(chunks.slice(i, i + ROWS_PER_INSERT).map((hash, j) => ({ key, idx: i + j, hash })));
  }
}
