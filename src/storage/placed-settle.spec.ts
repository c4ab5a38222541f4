import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MembershipService } from '../gossip/membership.service';
import { PlacedSettle } from './placed-settle';

const ids = ['a', 'b', 'c'].map((c) => c.repeat(32));
const membership = (up: string[]) => ({ knownIds: () => ids, upIds: () => up }) as unknown as MembershipService;

describe(PlacedSettle.name, () => {
  it('drops a record once every placed holder but this node is up and settled; a down holder is not asked', async () => {
    const asked: string[] = [];
    const dropped: string[] = [];
    const sut = new PlacedSettle<{ key: string }>(10, {
      settleAt: async (holder) => (asked.push(holder), true),
      drop: async (r) => (dropped.push(r.key), true),
      describe: (r) => r.key,
    });
    assert.equal(await sut.pass([{ key: 'k' }], membership([ids[0], ids[1]]), ids[0], 3), 0, 'the third holder is down');
    assert.deepEqual(asked, [ids[1]]);
    assert.equal(await sut.pass([{ key: 'k' }], membership(ids), ids[0], 3), 1);
    assert.deepEqual(dropped, ['k']);
  });

  it('keeps a record a holder could not settle, and takes bounded batches in turn', async () => {
    const seen: string[] = [];
    const sut = new PlacedSettle<{ key: string }>(2, {
      settleAt: async (_holder, r) => {
        seen.push(r.key);
        if (r.key === 'y') throw new Error('no answer');
        return true;
      },
      drop: async () => true,
      describe: (r) => r.key,
    });
    const due = ['x', 'y', 'z'].map((key) => ({ key }));
    assert.equal(await sut.pass(due, membership(ids), ids[0], 2), 1, 'x dropped, y not settled');
    assert.equal(await sut.pass(due, membership(ids), ids[0], 2), 2, 'the next pass starts at z, then x');
    assert.deepEqual([...new Set(seen)], ['x', 'y', 'z']);
  });
});
