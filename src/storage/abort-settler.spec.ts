import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeConfig } from '../config/node-config';
import type { MembershipService } from '../gossip/membership.service';
import { StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import type { NodeIdentity } from '../transport/node-identity';
import { countingRows } from '../../test/helpers/row-count';
import { ScratchDatabases } from '../../test/helpers/scratch-db';
import { AbortSettler } from './abort-settler';
import type { LocalReplica } from './local-replica';
import type { ReplicaRouter } from './replica-router';
import { formatVersion } from './version';

const members = ['a', 'b', 'c'].map((c) => c.repeat(32));
const v = (ms: number) => formatVersion({ ms, counter: 0, nodeId: 'ab'.repeat(8) });
const TTL = 3_600_000;

describe(AbortSettler.name, () => {
  const dbs = new ScratchDatabases();
  after(() => dbs.closeAll());

  it('reads per round only the aborts past the ttl, and drops each once every holder is clear of it', async () => {
    const { ds } = await dbs.open();
    const { repo, counted } = countingRows(new StoreOutcomeRepository(ds));
    const membership = { repairPlacementIds: () => members, knownIds: () => members, upIds: () => members } as unknown as MembershipService;
    const asked: string[] = [];
    const router = { report: async (_h: string, key: string) => (asked.push(key), { manifest: null, tombstone: null }) } as unknown as ReplicaRouter;
    const local = { expirePrevious: async () => 0 } as unknown as LocalReplica;
    const sut = new AbortSettler({ tombstoneTtlMs: TTL, replicas: 3 } as NodeConfig, { nodeId: members[0] } as NodeIdentity, membership, repo, router, local);
    const now = Date.now();
    await ds.transaction(async (m) => {
      for (let i = 0; i < 1000; i++) await m.query('INSERT INTO "aborted_versions" ("key", "version", "abortedAt") VALUES (?, ?, ?)', [`recent/${i}`, v(now), now]);
      for (let i = 0; i < 3; i++) await m.query('INSERT INTO "aborted_versions" ("key", "version", "abortedAt") VALUES (?, ?, ?)', [`old/${i}`, v(now - TTL - 1), now]);
    });
    counted.rows = 0;
    assert.equal(await sut.settle(now), 3, 'the three aborts past the ttl are settled');
    assert.ok(counted.rows < 50, `a round read ${counted.rows} abort rows (1,003 held, 3 due)`);
    assert.deepEqual([...new Set(asked)].sort(), ['old/0', 'old/1', 'old/2']);
    counted.rows = 0;
    assert.equal(await sut.settle(now), 0);
    assert.ok(counted.rows < 50, `a round with nothing due read ${counted.rows} abort rows`);
    assert.equal(await repo.count(), 1000);
  });
});
