import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { FileManifest, FileRepository } from '../../src/peer-repository/file.repository';
import { ShareRepository } from '../../src/peer-repository/share.repository';
import { TombstoneRepository } from '../../src/peer-repository/tombstone.repository';
import { StoreOutcomeRepository } from '../../src/peer-repository/store-outcome.repository';
import { KeyRecord, KeyReportRepository } from '../../src/peer-repository/key-report.repository';
import { ScratchDatabases, oneChunkManifest } from '../helpers/scratch-db';
import { waitFor } from '../helpers/wait-for';

const manifest = (key: string, version: string, chunk = 'a'): FileManifest => ({ ...oneChunkManifest(key, version), chunks: [chunk.repeat(64)] });

/** Each write path of a key's report, and what the report says after it. */
describe('key reports kept in memory', () => {
  const dbs = new ScratchDatabases();
  after(() => dbs.closeAll());

  const setup = async () => {
    const { ds } = await dbs.open();
    let queries = 0;
    const query = ds.query.bind(ds);
    ds.query = ((...args: Parameters<DataSource['query']>) => {
      queries += 1;
      return query(...args);
    }) as DataSource['query'];
    const sut = new KeyReportRepository(ds);
    return {
      ds,
      sut,
      files: new FileRepository(ds),
      graves: new TombstoneRepository(ds),
      outcomes: new StoreOutcomeRepository(ds),
      shares: new ShareRepository(ds),
      queries: () => queries,
      /** The report straight from SQLite, by a repository that has kept nothing. */
      fresh: (key: string) => new KeyReportRepository(ds).get(key),
    };
  };

  /** Gets `key` until it is answered from memory (a write is followed by a read into the cache); returns it. */
  const cachedGet = async (t: Awaited<ReturnType<typeof setup>>, key: string): Promise<KeyRecord> => {
    await t.sut.get(key);
    await waitFor(async () => {
      const before = t.queries();
      await t.sut.get(key);
      return t.queries() === before;
    }, { timeoutMs: 5_000, description: `the report of ${key} kept in memory` });
    return t.sut.get(key);
  };

  const sameAsDisk = async (t: Awaited<ReturnType<typeof setup>>, key: string, what: string) => {
    assert.deepEqual(await t.sut.get(key), await t.fresh(key), what);
    assert.deepEqual(await cachedGet(t, key), await t.fresh(key), `${what} (kept)`);
  };

  it('answers a second get of a key without SQLite, the same report as SQLite gives', async () => {
    const t = await setup();
    await t.files.saveManifest({ ...manifest('k', '001'), meta: { 'content-type': 'text/plain' } }, ['n1', 'n2']);
    const first = await cachedGet(t, 'k');
    assert.deepEqual(first, await t.fresh('k'));
    const before = t.queries();
    const again = await t.sut.get('k');
    assert.equal(t.queries(), before, 'no query');
    assert.deepEqual(again, first);
    assert.notEqual(again.manifest, first.manifest, 'each caller gets its own objects');
    assert.deepEqual(await cachedGet(t, 'absent'), { manifest: null, tombstone: null, aborted: [] }, 'an absent key is kept too');
    assert.equal(t.sut.cached().keys, 2);
  });

  it('sees a manifest commit, a newer one and a refused older one', async () => {
    const t = await setup();
    assert.equal((await cachedGet(t, 'k')).manifest, null);
    await t.files.saveManifest(manifest('k', '002'), ['n1']);
    await sameAsDisk(t, 'k', 'first commit');
    assert.equal((await t.sut.get('k')).manifest?.version, '002');
    await t.files.saveManifest(manifest('k', '003', 'b'), ['n1']);
    assert.equal((await t.sut.get('k')).manifest?.version, '003');
    await t.files.saveManifest(manifest('k', '001'), ['n1']);
    await sameAsDisk(t, 'k', 'older refused');
  });

  it('sees a batch of manifests (the bulk commit of copies)', async () => {
    const t = await setup();
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    await t.files.saveManifests(keys.map((k) => ({ manifest: manifest(k, '001'), holders: ['n1'] })));
    for (const k of keys) await cachedGet(t, k);
    await t.files.saveManifests(keys.map((k) => ({ manifest: manifest(k, '002', 'b'), holders: ['n2'] })));
    for (const k of keys) assert.equal((await t.sut.get(k)).manifest?.version, '002', k);
    for (const k of keys) await sameAsDisk(t, k, `batch ${k}`);
  });

  it('sees a tombstone, its removal and the expiry of old tombstones', async () => {
    const t = await setup();
    await t.files.saveManifest(manifest('k', '001'), ['n1']);
    await cachedGet(t, 'k');
    await t.graves.applyDelete('k', '002');
    const deleted = await t.sut.get('k');
    assert.equal(deleted.manifest, null);
    assert.deepEqual(deleted.tombstone, { key: 'k', version: '002' });
    await sameAsDisk(t, 'k', 'deleted');
    await t.graves.drop('k', '002');
    assert.equal((await t.sut.get('k')).tombstone, null);
    await t.graves.applyDelete('k', '003', 1);
    await cachedGet(t, 'k');
    await t.graves.deleteOlderThan(Date.now());
    assert.equal((await t.sut.get('k')).tombstone, null, 'a write of keys not named drops every kept report');
  });

  it('sees an abort (the version removed or the one it replaced back) and its removal', async () => {
    const t = await setup();
    await t.files.saveManifest(manifest('k', '001'), ['n1']);
    await t.outcomes.settle('k', '001');
    await t.files.saveManifest(manifest('k', '002', 'b'), ['n1']);
    assert.equal((await cachedGet(t, 'k')).manifest?.version, '002');
    await t.outcomes.applyAbort('k', '002', Date.now(), []);
    const back = await t.sut.get('k');
    assert.equal(back.manifest?.version, '001', 'the replaced version is back');
    assert.deepEqual(back.aborted, ['002']);
    await sameAsDisk(t, 'k', 'aborted');
    await t.outcomes.drop('k', '002');
    assert.deepEqual((await t.sut.get('k')).aborted, []);
    await sameAsDisk(t, 'k', 'abort forgotten');
  });

  it('sees a settle, and a change of the shares recorded for the key', async () => {
    const t = await setup();
    await t.files.saveManifest(manifest('k', '001'), ['n1', 'n2']);
    assert.equal((await cachedGet(t, 'k')).settledFor, undefined);
    await t.outcomes.settle('k', '001');
    assert.deepEqual((await t.sut.get('k')).settledFor?.sort(), ['n1', 'n2']);
    await sameAsDisk(t, 'k', 'settled');
    await t.shares.add('k', 'n3', '001');
    assert.deepEqual((await t.sut.get('k')).settledFor?.sort(), ['n1', 'n2', 'n3']);
    await t.shares.removeKey('k');
    assert.deepEqual((await t.sut.get('k')).settledFor, [], 'no shares left');
    await sameAsDisk(t, 'k', 'shares removed');
  });

  it('sees a dropped manifest (a handed-off copy)', async () => {
    const t = await setup();
    await t.files.saveManifest(manifest('k', '001'), ['n1']);
    await cachedGet(t, 'k');
    await t.files.delete('k');
    assert.equal((await t.sut.get('k')).manifest, null);
    await sameAsDisk(t, 'k', 'dropped');
  });

  it('a read under way while a write of its key finishes answers, but is not kept', async () => {
    const t = await setup();
    await t.files.saveManifest(manifest('k', '001'), ['n1']);
    const reading = t.sut.get('k');
    const writing = t.files.saveManifest(manifest('k', '002', 'b'), ['n1']);
    await Promise.all([reading, writing]);
    assert.equal((await t.sut.get('k')).manifest?.version, '002');
    await sameAsDisk(t, 'k', 'after the overlap');
  });
});
