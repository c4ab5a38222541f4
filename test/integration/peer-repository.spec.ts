import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FileManifest, FileRepository } from '../../src/peer-repository/file.repository';
import { NodeMetaRepository } from '../../src/peer-repository/node-meta.repository';
import { PeerRepository } from '../../src/peer-repository/peer.repository';
import { ShareRepository } from '../../src/peer-repository/share.repository';
import { TombstoneRepository } from '../../src/peer-repository/tombstone.repository';
import { StoreOutcomeRepository } from '../../src/peer-repository/store-outcome.repository';
import { KeyPageRepository } from '../../src/peer-repository/key-page.repository';
import { KeyReportRepository } from '../../src/peer-repository/key-report.repository';
import { ScratchDatabases, oneChunkManifest as manifest } from '../helpers/scratch-db';


describe('peer repositories on SQLite', () => {
  const dbs = new ScratchDatabases();
  after(() => dbs.closeAll());
  const db = (dbPath?: string) => dbs.open(dbPath);

  it('creates missing folders, runs the migration and turns WAL on', async () => {
    const { ds } = await db();
    const [{ journal_mode }] = await ds.query('PRAGMA journal_mode');
    assert.equal(journal_mode, 'wal');
    const tables = (await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((r: { name: string }) => r.name);
    for (const t of ['peers', 'files', 'shares', 'tombstones', 'node_meta', 'migrations']) assert.ok(tables.includes(t), t);
  });

  it('upserts peers by node id and deletes only stale, not-alive ones', async () => {
    const { ds } = await db();
    const sut = new PeerRepository(ds);
    const now = Date.now();
    await sut.upsertMany([
      { nodeId: 'a'.repeat(32), address: '127.0.0.1:1', status: 'alive', incarnation: 1, lastSeen: now - 3_600_000 },
      { nodeId: 'b'.repeat(32), address: '127.0.0.1:2', status: 'dead', incarnation: 1, lastSeen: now - 3_600_000 },
      { nodeId: 'c'.repeat(32), address: '127.0.0.1:3', status: 'dead', incarnation: 1, lastSeen: now },
    ]);
    await sut.upsert({ nodeId: 'a'.repeat(32), address: '[::1]:1', status: 'alive', incarnation: 2, lastSeen: now });
    assert.equal((await sut.list()).length, 3);
    assert.equal((await sut.get('a'.repeat(32)))?.address, '[::1]:1');
    assert.equal(await sut.deleteStale(600_000, now), 1);
    assert.deepEqual((await sut.list()).map((p) => p.nodeId).sort(), ['a'.repeat(32), 'c'.repeat(32)]);
  });

  it('keeps the newest manifest and lets a newer tombstone win', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const graves = new TombstoneRepository(ds);
    const shares = new ShareRepository(ds);
    assert.equal(await files.saveManifest(manifest('k', '002'), ['n1', 'n2']), true);
    assert.equal(await files.saveManifest(manifest('k', '002'), ['n1', 'n2']), true, 'a commit of the version already held is a confirmation');
    assert.equal(await files.saveManifest(manifest('k', '001'), ['n1']), false);
    assert.deepEqual((await shares.forKey('k')).map((s) => s.nodeId), ['n1', 'n2']);
    assert.equal(await graves.applyDelete('k', '003'), true);
    assert.equal(await files.get('k'), null);
    assert.deepEqual(await shares.forKey('k'), []);
    assert.equal(await files.saveManifest(manifest('k', '002'), ['n1']), false, 'an older copy cannot come back');
    assert.equal(await files.saveManifest(manifest('k', '004'), ['n1']), true, 'a newer store wins over the tombstone');
    assert.equal(await graves.applyDelete('k', '003'), false);
    assert.equal((await graves.get('k'))?.version, '003');
    assert.equal(await graves.deleteOlderThan(Date.now() + 1), 1);
  });

  it('an abort removes exactly its version and puts back the one it replaced', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    const graves = new TombstoneRepository(ds);
    const v1 = { ...manifest('k', '001'), chunks: ['1'.repeat(64)] };
    const v2 = { ...manifest('k', '002'), chunks: ['2'.repeat(64)] };
    assert.equal(await files.saveManifest(v1, ['n1', 'n2']), true);
    assert.equal(await files.saveManifest(v2, ['n1']), true);
    assert.equal(await files.isReferenced('1'.repeat(64)), true, 'the replaced version keeps its chunks until the outcome is known');
    const freed: string[] = [];
    assert.equal(await outcomes.applyAbort('k', '002', Date.now(), freed), 'restored');
    assert.deepEqual(freed, ['2'.repeat(64)]);
    assert.deepEqual(await files.get('k'), v1);
    assert.equal(await files.saveManifest(v2, ['n1']), false, 'the aborted version is refused when it arrives again');
    assert.equal(await outcomes.applyAbort('k', '002', Date.now(), []), 'none', 'an abort is applied once');
    assert.deepEqual(await outcomes.abortedVersions('k'), ['002']);
    const v3 = { ...manifest('k', '003'), chunks: ['3'.repeat(64)] };
    assert.equal(await files.saveManifest(v3, ['n1']), true, 'a newer version is not touched by the abort');
    assert.deepEqual(await outcomes.settle('k', '003'), ['1'.repeat(64)], 'an acknowledged store frees the version it replaced');
    assert.equal(await files.isReferenced('1'.repeat(64)), false);
    assert.equal(await outcomes.applyAbort('k', '003', Date.now(), []), 'removed', 'nothing kept to put back');
    assert.equal(await files.get('k'), null);
    assert.equal(await files.saveManifest(v1, ['n1']), true);
    assert.equal(await files.saveManifest({ ...manifest('k', '004'), chunks: ['4'.repeat(64)] }, ['n1']), true);
    await graves.applyDelete('k', '005');
    assert.equal(await files.isReferenced('1'.repeat(64)), false, 'a delete frees the kept version too');
    assert.equal(await outcomes.drop('k', '002'), true);
    assert.deepEqual(await outcomes.abortedVersions('k'), ['003']);
  });

  it('a version known settled (acknowledged) frees the one it replaced at once, and says so when read', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    const v1 = { ...manifest('k', '001'), chunks: ['1'.repeat(64)] };
    assert.equal(await files.saveManifest(v1, ['n1']), true);
    await outcomes.settle('k', '001');
    assert.equal((await files.get('k'))?.settled, true, 'a settle marks the held version, to pass on with it');
    // As anti-entropy brings it from a holder that was told the store was acknowledged.
    const v2 = { ...manifest('k', '002'), chunks: ['2'.repeat(64)], settled: true as const };
    const replaced: string[] = [];
    assert.equal(await files.saveManifest(v2, ['n1'], replaced), true);
    assert.equal(await files.isReferenced('1'.repeat(64)), false, 'nothing is kept for an abort that cannot come');
    assert.deepEqual(replaced, ['1'.repeat(64)]);
    // Not known settled: kept, until the settle comes with the same version.
    const v3 = { ...manifest('k', '003'), chunks: ['3'.repeat(64)] };
    assert.equal(await files.saveManifest(v3, ['n1']), true);
    assert.equal(await files.isReferenced('2'.repeat(64)), true);
    const confirmed: string[] = [];
    assert.equal(await files.saveManifest({ ...v3, settled: true }, ['n1'], confirmed), true);
    assert.deepEqual(confirmed, ['2'.repeat(64)], 'a settled copy of the held version frees the kept one');
    assert.equal(await files.isReferenced('2'.repeat(64)), false);
    assert.equal((await files.get('k'))?.settled, true);
  });

  it('pages the aborted versions under a prefix, never splitting one key\'s aborts', async () => {
    const { ds } = await db();
    const outcomes = new StoreOutcomeRepository(ds);
    for (const [key, version] of [['p/a', '001'], ['p/b', '001'], ['p/b', '002'], ['p/b', '003'], ['q/c', '001']]) await outcomes.applyAbort(key, version, Date.now(), []);
    const sut = new KeyPageRepository(ds);
    assert.deepEqual(await sut.aborted('p/', '', 10), [{ key: 'p/a', version: '001' }, { key: 'p/b', version: '001' }, { key: 'p/b', version: '002' }, { key: 'p/b', version: '003' }]);
    assert.deepEqual((await sut.aborted('p/', '', 2)).map((a) => a.version), ['001', '001', '002', '003'], 'the rest of the last key comes with it');
    assert.deepEqual(await sut.aborted('p/', 'p/a', 10), [{ key: 'p/b', version: '001' }, { key: 'p/b', version: '002' }, { key: 'p/b', version: '003' }]);
  });

  it('reports a key (manifest with its chunks in order, tombstone, aborts) in one statement as the separate reads do', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    const graves = new TombstoneRepository(ds);
    const sut = new KeyReportRepository(ds);
    assert.deepEqual(await sut.get('absent'), { manifest: null, tombstone: null, aborted: [] });
    // Chunk hashes out of their sort order, and a repeated one: the report keeps file order.
    const chunks = ['f', '1', 'f', '8'].map((c) => c.repeat(64));
    const v1: FileManifest = { ...manifest('k', '001'), size: 4096 * 3 + 1, chunkSize: 4096, chunks, meta: { 'content-type': 'text/plain' } };
    await files.saveManifest(v1, ['n1']);
    await files.saveManifest({ ...manifest('k', '002'), chunks: ['2'.repeat(64)] }, ['n1']);
    await outcomes.applyAbort('k', '002', Date.now(), []);
    await outcomes.applyAbort('k', '000', Date.now(), []);
    await graves.applyDelete('other', '003');
    const report = await sut.get('k');
    assert.deepEqual(report.manifest, await files.get('k'));
    assert.deepEqual(report.manifest, v1);
    assert.deepEqual([...report.aborted].sort(), await outcomes.abortedVersions('k').then((v) => v.sort()));
    assert.equal(report.tombstone, null);
    assert.deepEqual(await sut.get('other'), { manifest: null, tombstone: { key: 'other', version: '003' }, aborted: [] });
    assert.equal(report.settledFor, undefined, 'a version put back by an abort is not known acknowledged');
  });

  it('knows a version settled from its settle until the held version changes', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    const sut = new KeyReportRepository(ds);
    await files.saveManifest(manifest('k', '001'), ['n1', 'n2', 'n3']);
    assert.equal((await sut.get('k')).settledFor, undefined, 'committed, outcome unknown');
    await outcomes.settle('k', '000');
    assert.equal((await sut.get('k')).settledFor, undefined, 'the settle of another version');
    await outcomes.settle('k', '001');
    assert.deepEqual((await sut.get('k')).settledFor?.sort(), ['n1', 'n2', 'n3']);
    await files.saveManifest({ ...manifest('k', '002'), chunks: ['2'.repeat(64)] }, ['n1', 'n2', 'n4']);
    assert.equal((await sut.get('k')).settledFor, undefined, 'a newer version is not settled by the older one');
    await outcomes.settle('k', '002');
    assert.deepEqual((await sut.get('k')).settledFor?.sort(), ['n1', 'n2', 'n4']);
  });

  it('commits a batch of manifests in one transaction, judging each key by the same rules', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const graves = new TombstoneRepository(ds);
    await files.saveManifest(manifest('held', '005'), ['n1']);
    await files.saveManifest(manifest('older-here', '001'), ['n1']);
    await graves.applyDelete('deleted', '009');
    const replaced: string[] = [];
    const saved = await files.saveManifests([
      { manifest: manifest('new', '002'), holders: ['n1'] },
      { manifest: manifest('held', '005'), holders: ['n1'] },
      { manifest: manifest('held', '004'), holders: ['n1'] },
      { manifest: { ...manifest('older-here', '003'), chunks: ['b'.repeat(64)] }, holders: ['n2'], replaced },
      { manifest: manifest('deleted', '008'), holders: ['n1'] },
      { manifest: manifest('twice', '006'), holders: ['n1'] },
      { manifest: manifest('twice', '007'), holders: ['n1'] },
      { manifest: manifest('twice', '006'), holders: ['n1'] },
    ]);
    assert.deepEqual(saved, [true, true, false, true, false, true, true, false], 'new, confirmation, older, newer, under a tombstone, then two versions of one key');
    assert.deepEqual(replaced, ['a'.repeat(64)], 'the replaced version names its chunks');
    assert.equal((await files.get('older-here'))?.version, '003');
    assert.equal((await files.get('twice'))?.version, '007');
    assert.equal(await files.get('deleted'), null);
    assert.deepEqual([...(await files.versionsOf(['new', 'held', 'nothing']))].sort(), [['held', '005'], ['new', '002']]);
    assert.deepEqual((await files.getMany(['twice', 'nothing'])).map((m) => [m.key, m.version, m.chunks.length]), [['twice', '007', 1]]);
  });

  it('a batch of keys not held yet keeps every field, chunk order and share, and refuses aborted versions', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const shares = new ShareRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    await outcomes.applyAbort('aborted', '002', Date.now(), []);
    const many = Array.from({ length: 700 }, (_, i) => ({ ...manifest(`k${i}`, '001'), chunks: [String(i % 10).repeat(64), 'f'.repeat(64)], ...(i % 2 ? { meta: { 'content-type': 'image/jpeg' } } : {}) }));
    const saved = await files.saveManifests([...many.map((m) => ({ manifest: m, holders: ['n1', 'n2', 'n1'] })), { manifest: manifest('aborted', '002'), holders: ['n1'] }, { manifest: manifest('aborted', '003'), holders: ['n1'] }]);
    assert.deepEqual(saved, [...many.map(() => true), false, true], 'every new key, not the aborted version, then a newer one');
    assert.deepEqual(await files.get('k7'), many[7]);
    assert.deepEqual(await files.get('k8'), many[8]);
    assert.equal((await files.get('aborted'))?.version, '003');
    assert.deepEqual((await shares.forKey('k699')).map((s) => [s.nodeId, s.version]), [['n1', '001'], ['n2', '001']]);
    assert.equal(await files.count(), 701);
  });

  it('a batch of newer versions of held keys keeps each replaced version aside as one commit would', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const shares = new ShareRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    const hash = (c: string, i: number) => (c + String(i).padStart(5, '0')).padEnd(64, c);
    // 600 held keys (past one IN list of 500); the odd ones also have a previous version kept.
    const n = 600;
    const v1 = Array.from({ length: n }, (_, i) => ({ ...manifest(`k${i}`, '001'), chunks: [hash('a', i)], meta: { 'content-type': 'text/plain' } }));
    const v2 = Array.from({ length: n }, (_, i) => ({ ...manifest(`k${i}`, '002'), chunks: [hash('b', i), hash('c', i)] }));
    await files.saveManifests(v1.map((m) => ({ manifest: m, holders: ['n1', 'n2'] })));
    await files.saveManifests(v2.filter((_, i) => i % 2).map((m) => ({ manifest: m, holders: ['n3'] })));
    // Version 003 of every key in one batch; every fourth one known acknowledged.
    const v3 = Array.from({ length: n }, (_, i) => ({ ...manifest(`k${i}`, '003'), chunks: [hash('d', i)], ...(i % 4 === 0 ? { settled: true as const } : {}) }));
    const replaced = v3.map(() => [] as string[]);
    const saved = await files.saveManifests(v3.map((m, i) => ({ manifest: m, holders: ['n4', 'n5'], replaced: replaced[i] })));
    assert.deepEqual(saved, v3.map(() => true));
    for (const i of [0, 1, 2, 3, 598, 599]) {
      const odd = i % 2 === 1;
      const held = odd ? v2[i] : v1[i];
      assert.deepEqual(await files.get(`k${i}`), v3[i]);
      assert.deepEqual((await shares.forKey(`k${i}`)).map((s) => [s.nodeId, s.version]), [['n4', '003'], ['n5', '003']]);
      assert.deepEqual(replaced[i], odd ? [...v2[i].chunks, ...v1[i].chunks] : v1[i].chunks, `k${i}: the held version's chunks, then those of the one it displaced`);
      if (i % 4 === 0) {
        assert.equal(await files.isReferenced(held.chunks[0]), false, `k${i}: acknowledged, nothing kept`);
        continue;
      }
      assert.equal(await files.isReferenced(held.chunks[0]), true, `k${i}: the replaced version keeps its chunks`);
      if (odd) assert.equal(await files.isReferenced(v1[i].chunks[0]), false, `k${i}: the older kept version is displaced`);
      // An abort of 003 puts back exactly the version it replaced, with its holders.
      assert.equal(await outcomes.applyAbort(`k${i}`, '003', Date.now(), []), 'restored');
      const back = await files.get(`k${i}`);
      assert.deepEqual(back, held);
      assert.deepEqual((await shares.forKey(`k${i}`)).map((s) => s.nodeId), odd ? ['n3'] : ['n1', 'n2']);
    }
    assert.equal(await files.count(), n);
  });

  it('keeps the first key pin, and a forgotten pin is a marker the next pin replaces', async () => {
    const { ds } = await db();
    const peers = new PeerRepository(ds);
    await peers.pinKey('n1', 'a'.repeat(64));
    await peers.pinKey('n1', 'b'.repeat(64));
    assert.equal(await peers.keyPin('n1'), 'a'.repeat(64));
    assert.equal(await peers.forget('n1'), true);
    assert.equal(await peers.keyPin('n1'), '', 'forgotten on purpose: the marker, not nothing');
    await peers.pinKey('n1', 'c'.repeat(64));
    assert.equal(await peers.keyPin('n1'), 'c'.repeat(64));
    assert.equal(await peers.forget('unknown'), false);
    assert.equal(await peers.keyPin('unknown'), undefined);
  });

  it('keeps the node id across reopening', async () => {
    const { ds, dbPath } = await db();
    const id = await new NodeMetaRepository(ds).getOrCreateNodeId();
    assert.match(id, /^[0-9a-f]{32}$/);
    await dbs.close(ds);
    const again = await db(dbPath);
    assert.equal(await new NodeMetaRepository(again.ds).getOrCreateNodeId(), id);
  });

  it('runs many concurrent transactions on one database without interleaving them', async () => {
    const { ds } = await db();
    const files = new FileRepository(ds);
    const graves = new TombstoneRepository(ds);
    const peers = new PeerRepository(ds);
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      work.push(files.saveManifest(manifest(`k${i}`, '002'), ['n1', 'n2']));
      if (i % 3 === 0) work.push(graves.applyDelete(`k${i}`, '003'));
      work.push(peers.upsertMany([{ nodeId: i.toString(16).padStart(32, '0'), address: `127.0.0.1:${i + 1}`, status: 'alive', incarnation: 1, lastSeen: i }]));
    }
    await Promise.all(work);
    assert.equal((await files.list()).length, 40);
    assert.equal((await peers.list()).length, 60);
  });
});
