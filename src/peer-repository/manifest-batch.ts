/**
 * FileRepository.saveManifests for many manifests in a few statements: a node catching up
 * commits hundreds of new keys per transaction, and the rules of one commit (tombstone,
 * aborted version, held version; about nine statements through TypeORM per manifest) kept
 * its single connection busy far longer than the disk. Here the tombstones, aborts and held
 * versions of the whole batch are read with one query each, and the manifests of keys not
 * held are inserted together (files, chunk rows, shares: a few multi-row INSERTs). A manifest
 * of a key already held, or seen before in the batch, goes through the one-by-one rules
 * (`saveOne`), after what came before it is written, so the outcome is that of the one-by-one
 * loop. Runs inside the caller's transaction.
 */
import { EntityManager } from 'typeorm';
import type { FileManifest } from './file.repository';

export interface ManifestItem {
  manifest: FileManifest;
  holders: string[];
  replaced?: string[];
}

/** Keys per IN (...) list and rows per INSERT: far below SQLite's limit of bound parameters. */
const KEYS_PER_QUERY = 500;
const PARAMS_PER_STATEMENT = 900;

export async function saveManifestBatch(m: EntityManager, batch: readonly ManifestItem[], saveOne: (item: ManifestItem) => Promise<boolean>): Promise<boolean[]> {
  const keys = [...new Set(batch.map((b) => b.manifest.key))];
  const graves = new Map<string, string>();
  const held = new Map<string, string>();
  const aborted = new Set<string>();
  for (const part of slices(keys, KEYS_PER_QUERY)) {
    const marks = part.map(() => '?').join(',');
    for (const r of await m.query(`SELECT "key", "version" FROM "tombstones" WHERE "key" IN (${marks})`, part)) graves.set(r.key, r.version);
    for (const r of await m.query(`SELECT "key", "version" FROM "files" WHERE "key" IN (${marks})`, part)) held.set(r.key, r.version);
    for (const r of await m.query(`SELECT "key", "version" FROM "aborted_versions" WHERE "key" IN (${marks})`, part)) aborted.add(`${r.key}\u0000${r.version}`);
  }
  const out: boolean[] = [];
  let fresh: ManifestItem[] = [];
  for (const item of batch) {
    const { key, version } = item.manifest;
    const grave = graves.get(key);
    if ((grave !== undefined && grave >= version) || aborted.has(`${key}\u0000${version}`)) {
      out.push(false);
    } else if (!held.has(key)) {
      fresh.push(item);
      held.set(key, version);
      out.push(true);
    } else {
      await insertFresh(m, fresh);
      fresh = [];
      const saved = await saveOne(item);
      if (saved && version > (held.get(key) as string)) held.set(key, version);
      out.push(saved);
    }
  }
  await insertFresh(m, fresh);
  return out;
}

/** Manifests of keys with no held manifest: their rows, with any chunk or share rows left under the key replaced. */
async function insertFresh(m: EntityManager, items: readonly ManifestItem[]): Promise<void> {
  if (items.length === 0) return;
  const keys = items.map((i) => i.manifest.key);
  for (const part of slices(keys, KEYS_PER_QUERY)) {
    const marks = part.map(() => '?').join(',');
    await m.query(`DELETE FROM "file_chunks" WHERE "key" IN (${marks})`, part);
    await m.query(`DELETE FROM "shares" WHERE "key" IN (${marks})`, part);
  }
  const now = Date.now();
  await insertRows(m, 'files', ['key', 'version', 'size', 'contentHash', 'chunkSize', 'chunkCount', 'createdAt', 'meta', 'settled'], items.map(({ manifest: f }) => [f.key, f.version, f.size, f.contentHash, f.chunkSize, f.chunks.length, f.createdAt, f.meta ? JSON.stringify(f.meta) : null, f.settled ? 1 : 0]));
  await insertRows(m, 'file_chunks', ['key', 'idx', 'hash'], items.flatMap(({ manifest: f }) => f.chunks.map((hash, idx) => [f.key, idx, hash])));
  await insertRows(m, 'shares', ['key', 'nodeId', 'version', 'confirmedAt'], items.flatMap(({ manifest: f, holders }) => [...new Set(holders)].map((nodeId) => [f.key, nodeId, f.version, now])));
}

async function insertRows(m: EntityManager, table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  const row = `(${columns.map(() => '?').join(',')})`;
  const names = columns.map((c) => `"${c}"`).join(', ');
  for (const part of slices(rows, Math.floor(PARAMS_PER_STATEMENT / columns.length))) {
    await m.query(`INSERT INTO "${table}" (${names}) VALUES ${part.map(() => row).join(',')}`, part.flat());
  }
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
