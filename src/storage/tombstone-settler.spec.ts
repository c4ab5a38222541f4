import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeConfig } from '../config/node-config';
import type { MembershipService } from '../gossip/membership.service';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import type { NodeIdentity } from '../transport/node-identity';
import { placeKey } from './placement';
import type { ReplicaRouter } from './replica-router';
import { countingRows } from '../../test/helpers/row-count';
import { ScratchDatabases } from '../../test/helpers/scratch-db';
import { formatVersion } from './version';
import { TombstoneSettler, holderNeed, tombstoneExpired } from './tombstone-settler';
import type { ManifestReport } from './storage.types';

const NODE = 'ab'.repeat(8);
const v = (ms: number) => formatVersion({ ms, counter: 0, nodeId: NODE });
const report = (manifest: number | null, tombstone: number | null): ManifestReport => ({
  manifest: manifest === null ? null : { key: 'k', version: v(manifest), size: 0, contentHash: '', chunkSize: 1, chunks: [], createdAt: 0 },
  tombstone: tombstone === null ? null : { key: 'k', version: v(tombstone) },
});

describe('tombstoneExpired', () => {
  it('counts from the version time of the delete, not from when it arrived', () => {
    const now = 1_000_000;
    assert.equal(tombstoneExpired(v(now - 2001), now, 2000), true, 'a delete older than the ttl is expired, however recently it was applied here');
    assert.equal(tombstoneExpired(v(now - 1999), now, 2000), false);
  });
});

describe('holderNeed', () => {
  it('says a holder has a tombstone when it has this one or a newer one', () => {
    assert.equal(holderNeed(report(null, 10), v(10), false), 'has');
    assert.equal(holderNeed(report(null, 11), v(10), true), 'has');
  });

  it('gives a live tombstone to every holder that lacks it', () => {
    assert.equal(holderNeed(report(null, null), v(10), false), 'needs');
    assert.equal(holderNeed(report(null, 9), v(10), false), 'needs');
  });

  it('gives an expired tombstone only where it still deletes an older manifest', () => {
    assert.equal(holderNeed(report(9, null), v(10), true), 'needs');
    assert.equal(holderNeed(report(null, null), v(10), true), 'clear');
    assert.equal(holderNeed(report(11, null), v(10), true), 'clear', 'a newer store is not deleted');
  });
});

describe(TombstoneSettler.name, () => {
  const members = ['a', 'b', 'c'].map((c) => c.repeat(32));
  const [self] = members;
  const TTL = 3_600_000;
  const dbs = new ScratchDatabases();
  after(() => dbs.closeAll());

  /** A settler over a scratch database; `counted.rows` counts the tombstone rows it was handed. */
  const setUp = async (replicas: number) => {
    const { ds } = await dbs.open();
    const repo = new TombstoneRepository(ds);
    const { repo: watched, counted } = countingRows(repo);
    const state = { ids: [...members] };
    const membership = { repairPlacementIds: () => state.ids, knownIds: () => state.ids, upIds: () => state.ids } as unknown as MembershipService;
    const given: string[] = [];
    const router = {
      report: async (_holder: string, key: string) => ({ manifest: null, tombstone: null, key }),
      tombstone: async (holder: string, key: string) => void given.push(`${key}@${holder.slice(0, 1)}`),
    } as unknown as ReplicaRouter;
    const config = { tombstoneTtlMs: TTL, replicas, repairGraceMs: 5_000 } as NodeConfig;
    const sut = new TombstoneSettler(config, { nodeId: self } as NodeIdentity, membership, watched, router);
    /** Writes tombstones straight into the table (as a node that holds them since before its start). */
    const seed = async (keys: readonly string[], ms: number) => {
      await ds.transaction(async (m) => {
        for (const key of keys) await m.query('INSERT INTO "tombstones" ("key", "version", "deletedAt") VALUES (?, ?, ?)', [key, v(ms), ms]);
      });
    };
    return { ds, repo, sut, counted, state, given, seed };
  };

  it('reads per round only the tombstones not yet settled, not every one it holds', async () => {
    const { repo, sut, counted, seed } = await setUp(3);
    const now = Date.now();
    // Placed on every member (3 of 3) and not expired: nothing to do for any of them but wait.
    await seed(Array.from({ length: 2000 }, (_, i) => `held/${i}`), now);
    await sut.settle(now);
    counted.rows = 0;
    await sut.settle(now);
    assert.ok(counted.rows < 50, `a round with nothing new read ${counted.rows} tombstone rows (2,000 held, none due)`);
    await repo.applyDelete('new/1', v(now));
    await repo.applyDelete('new/2', v(now));
    counted.rows = 0;
    await sut.settle(now);
    assert.ok(counted.rows < 50, `a round after two deletes read ${counted.rows} tombstone rows`);
    assert.equal(await repo.count(), 2002, 'nothing was due: every tombstone is kept');
  });

  it('still settles what becomes due: a tombstone whose key moved away, and one that expired', async () => {
    const { repo, sut, state, given, seed } = await setUp(2);
    const now = Date.now();
    const keys = Array.from({ length: 60 }, (_, i) => `k/${i}`);
    await seed(keys, now);
    const mine = keys.filter((k) => placeKey(k, members, 2).includes(self));
    const away = keys.filter((k) => !mine.includes(k));
    // Those placed elsewhere are given to both their holders and dropped here (a round takes 50 at most).
    while ((await repo.count()) > mine.length) await sut.settle(now);
    assert.deepEqual(new Set(given), new Set(away.flatMap((k) => placeKey(k, members, 2).map((h) => `${k}@${h.slice(0, 1)}`))));
    // A fourth member takes some of this node's keys: they are given to it and dropped here.
    const d = 'd'.repeat(32);
    state.ids = [...members, d];
    const moved = mine.filter((k) => !placeKey(k, state.ids, 2).includes(self));
    assert.ok(moved.length > 0);
    await sut.settle(now);
    for (const k of moved) assert.equal(await repo.get(k), null, `${k} moved to ${placeKey(k, state.ids, 2).map((h) => h.slice(0, 1))}`);
    const left = mine.filter((k) => !moved.includes(k));
    assert.equal(await repo.count(), left.length);
    // Past the ttl, the rest are expired: each holder confirms, and they go.
    await repo.applyDelete('late', v(now + 10));
    while ((await repo.count()) > 0) await sut.settle(now + TTL + 60_000);
  });
});
