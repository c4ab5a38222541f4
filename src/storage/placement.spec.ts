import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PlacedSubject, PlacementCache, PlacementMemo, placeKey } from './placement';

const subject = (key: string): PlacedSubject => Object.assign(new PlacementMemo(), { key });

const nodes = ['a1', 'b2', 'c3', 'd4', 'e5'].map((n) => n.repeat(8));

describe('placeKey', () => {
  it('is deterministic, distinct, and bounded by the member count', () => {
    assert.deepEqual(placeKey('k', nodes, 3), placeKey('k', [...nodes].reverse(), 3));
    assert.equal(new Set(placeKey('k', nodes, 3)).size, 3);
    assert.equal(placeKey('k', nodes.slice(0, 2), 3).length, 2);
    assert.deepEqual(placeKey('k', [nodes[0], nodes[0]], 3), [nodes[0]]);
  });

  it('spreads keys evenly over nodes', () => {
    const counts = new Map(nodes.map((n) => [n, 0]));
    const keys = 10_000;
    for (let i = 0; i < keys; i++) {
      const [first] = placeKey(`key-${i}`, nodes, 1);
      counts.set(first, counts.get(first)! + 1);
    }
    const expected = keys / nodes.length;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 20, `chi-square ${chi2.toFixed(1)} for ${JSON.stringify([...counts.values()])}`);
  });

  it('moves only the keys the removed node held', () => {
    const without = nodes.filter((n) => n !== nodes[2]);
    for (let i = 0; i < 2000; i++) {
      const before = placeKey(`key-${i}`, nodes, 3);
      const after = placeKey(`key-${i}`, without, 3);
      if (!before.includes(nodes[2])) assert.deepEqual(after, before);
      else assert.deepEqual(after.filter((n) => before.includes(n)), before.filter((n) => n !== nodes[2]));
    }
  });
});

describe(PlacementCache.name, () => {
  it('answers as placeKey does, for each member list, and starts over when the members change', () => {
    // The same subjects throughout: what each remembers must never answer for another member list.
    const keys = Array.from({ length: 200 }, (_, i) => subject(`k${i}`));
    const cache = new PlacementCache(2);
    const three = ['a', 'b', 'c'];
    const four = ['a', 'b', 'c', 'd'];
    for (const members of [three, four, three, ['a', 'c'], four, three, ['b', 'c', 'd']]) {
      const holders = cache.among(members);
      for (const k of keys) assert.deepEqual(holders(k), placeKey(k.key, members, 2), `${k.key} among ${members.join(',')}`);
      for (const k of keys) assert.equal(holders(k), holders(k), 'asked again, the remembered holders');
    }
  });

  it('is not changed by a caller changing its member list afterwards', () => {
    const members = ['a', 'b', 'c'];
    const holders = new PlacementCache(1).among(members);
    members.splice(0, 3, 'x');
    assert.deepEqual(holders(subject('k')), placeKey('k', ['a', 'b', 'c'], 1));
  });
});
