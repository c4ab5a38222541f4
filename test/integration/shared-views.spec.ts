import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FileRepository } from '../../src/peer-repository/file.repository';
import { StoreOutcomeRepository } from '../../src/peer-repository/store-outcome.repository';
import { TombstoneRepository } from '../../src/peer-repository/tombstone.repository';
import { placeKey } from '../../src/storage/placement';
import { SharedView, SharedViews, entriesIn } from '../../src/storage/shared-views';
import { SyncEntry, bucketDigests } from '../../src/storage/sync-digest';
import { ScratchDatabases, oneChunkManifest as manifest } from '../helpers/scratch-db';

const REPLICAS = 2;
const SELF = 'node-self';
const PEER = 'node-peer';
const OTHER = 'node-other';
const version = (n: number) => `${String(1_700_000_000_000 + n).padStart(15, '0')}.000000.${SELF}`;

/** What the view must hold, derived from scratch the way anti-entropy defines it. */
async function expected(files: FileRepository, tombstones: TombstoneRepository, outcomes: StoreOutcomeRepository, peer: string, members: string[]): Promise<SyncEntry[]> {
  const both = (key: string) => {
    const holders = placeKey(key, members, REPLICAS);
    return holders.includes(SELF) && holders.includes(peer);
  };
  return [
    ...(await files.versions()).filter((m) => both(m.key)).map((m): SyncEntry => ({ key: m.key, kind: 'm', version: m.version })),
    ...(await tombstones.list()).filter((t) => both(t.key)).map((t): SyncEntry => ({ key: t.key, kind: 't', version: t.version })),
    ...(await outcomes.list()).map((a): SyncEntry => ({ key: a.key, kind: 'a', version: a.version })),
  ];
}

const sorted = (entries: SyncEntry[]) => entries.map((e) => `${e.key} ${e.kind} ${e.version}`).sort();

describe('shared views kept across writes', () => {
  const dbs = new ScratchDatabases();
  after(() => dbs.closeAll());

  it('are brought up to date by every write path and by a change of members, and reused while nothing changed', async () => {
    const { ds } = await dbs.open();
    const files = new FileRepository(ds);
    const tombstones = new TombstoneRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    const views = new SharedViews(files, tombstones, outcomes, SELF, REPLICAS);
    let members = [SELF, PEER, OTHER];
    const check = async (step: string): Promise<SharedView> => {
      for (const peer of [PEER, OTHER]) {
        const view = await views.of(peer, members);
        const want = await expected(files, tombstones, outcomes, peer, members);
        assert.deepEqual(sorted(entriesIn(view)), sorted(want), `${step}: entries shared with ${peer}`);
        assert.deepEqual(view.digests, bucketDigests(want), `${step}: digests shared with ${peer}`);
      }
      return views.of(PEER, members);
    };

    const keys = Array.from({ length: 300 }, (_, i) => `album/IMG_${String(i).padStart(4, '0')}.jpg`);
    await files.saveManifests(keys.map((key) => ({ manifest: manifest(key, version(1)), holders: [SELF] })));
    const first = await check('stored');
    assert.equal(await views.of(PEER, members), first, 'a view is kept while nothing changes');
    assert.ok(entriesIn(first).length > 0 && entriesIn(first).length < keys.length, 'placement shares some keys with the peer, not all');

    const shared = entriesIn(first).map((e) => e.key);
    await files.saveManifest(manifest(shared[0], version(2)), [SELF]);
    assert.notEqual(await check('overwritten'), first, 'a write makes a new view');
    await tombstones.applyDelete(shared[1], version(3), Date.now());
    await check('deleted');
    await files.saveManifest(manifest(shared[2], version(4)), [SELF]);
    await outcomes.applyAbort(shared[2], version(4), Date.now(), []);
    await check('aborted');
    await outcomes.drop(shared[2], version(4));
    await check('abort dropped');
    await tombstones.drop(shared[1], version(3));
    await check('tombstone dropped');
    await files.delete(shared[3]);
    await check('manifest removed');
    await tombstones.applyDelete(shared[4], version(5), 1);
    await tombstones.deleteOlderThan(2);
    await check('tombstones expired (keys not known beforehand)');
    members = [SELF, PEER];
    await check('a member left');
    members = [SELF, PEER, OTHER, 'node-new'];
    await check('a member joined');
  });

  it('read whole from a store of several pages of manifests, with tombstones and aborts, equal what anti-entropy defines', async () => {
    const { ds } = await dbs.open();
    const files = new FileRepository(ds);
    const tombstones = new TombstoneRepository(ds);
    const outcomes = new StoreOutcomeRepository(ds);
    // More manifests than one page of the whole read (sync-index.ts reads KEYS_PER_SLICE at a time).
    const keys = Array.from({ length: 4_500 }, (_, i) => `photos/${String(i).padStart(5, '0')}.jpg`);
    await files.saveManifests(keys.map((key) => ({ manifest: manifest(key, version(1)), holders: [SELF] })));
    for (let i = 0; i < 60; i++) await tombstones.applyDelete(i % 2 ? keys[i * 70] : `gone/${i}`, version(2), Date.now());
    for (let i = 0; i < 20; i++) await outcomes.applyAbort(i % 2 ? keys[i * 200 + 1] : `failed/${i}`, version(3), Date.now(), []);
    for (const members of [[SELF, PEER], [SELF, PEER, OTHER]]) {
      const views = new SharedViews(files, tombstones, outcomes, SELF, REPLICAS);
      for (const peer of [PEER, OTHER].filter((p) => members.includes(p))) {
        const view = await views.of(peer, members);
        const want = await expected(files, tombstones, outcomes, peer, members);
        assert.deepEqual(sorted(entriesIn(view)), sorted(want), `entries shared with ${peer} among ${members.length}`);
        assert.deepEqual(view.digests, bucketDigests(want), `digests shared with ${peer} among ${members.length}`);
      }
    }
  });
});
