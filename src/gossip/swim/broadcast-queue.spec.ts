import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue';
import { MemberState, MemberUpdate } from './member';

function news(nodeId: string, state: MemberState = 'alive', incarnation = 0): MemberUpdate {
  return { nodeId, address: `127.0.0.1:${4000 + nodeId.charCodeAt(0)}`, state, incarnation };
}

describe(retransmitLimit.name, () => {
  // retransmitMult * ceil(log10(N + 1))
  const table: Array<[mult: number, n: number, expected: number]> = [
    [4, 0, 0],
    [4, 1, 4],
    [4, 9, 4],
    [4, 10, 8],
    [4, 99, 8],
    [4, 100, 12],
    [4, 1000, 16],
    [3, 10_000, 15],
  ];
  for (const [mult, n, expected] of table) {
    it(`lambda=${mult}, N=${n} -> ${expected}`, () => assert.equal(retransmitLimit(mult, n), expected));
  }
});

describe(BroadcastQueue.name, () => {
  it('hands out the least-sent news first, the freshest first among equals', () => {
    const sut = new BroadcastQueue(100);
    sut.enqueue(news('a'));
    sut.enqueue(news('b'));
    assert.deepEqual(sut.take(1, 10).map((u) => u.nodeId), ['b']);
    sut.enqueue(news('c'));
    // a and c are unsent; c is fresher. b was sent once and comes last.
    assert.deepEqual(sut.take(3, 10).map((u) => u.nodeId), ['c', 'a', 'b']);
  });

  it('drops an update once it has been sent `limit` times', () => {
    const sut = new BroadcastQueue(100);
    sut.enqueue(news('a'));
    for (let i = 0; i < 3; i++) assert.equal(sut.take(5, 3).length, 1);
    assert.deepEqual(sut.take(5, 3), []);
    assert.equal(sut.size(), 0);
  });

  it('never puts the same update twice in one message', () => {
    const sut = new BroadcastQueue(100);
    sut.enqueue(news('a'));
    sut.enqueue(news('b'));
    assert.deepEqual(sut.take(10, 10).map((u) => u.nodeId).sort(), ['a', 'b']);
  });

  it('replaces older news about a member with newer news, which starts unsent', () => {
    const sut = new BroadcastQueue(100);
    sut.enqueue(news('a', 'suspect', 1));
    sut.enqueue(news('b'));
    sut.take(2, 10);
    sut.take(2, 10);
    sut.enqueue(news('a', 'alive', 2));
    assert.equal(sut.size(), 2);
    assert.deepEqual(sut.pending('a'), news('a', 'alive', 2));
    const next = sut.take(1, 10);
    assert.deepEqual(next, [news('a', 'alive', 2)], 'the refutation goes ahead of twice-sent news');
    assert.equal(sut.take(10, 10).filter((u) => u.nodeId === 'a' && u.state === 'suspect').length, 0, 'the stale suspicion is gone');
  });

  it('stays within capacity by dropping the most-sent news first', () => {
    const sut = new BroadcastQueue(10);
    for (let i = 0; i < 10; i++) sut.enqueue(news(String.fromCharCode(65 + i)));
    // Send every entry a few times, then add fresh news beyond capacity.
    for (let i = 0; i < 3; i++) sut.take(10, 100);
    sut.enqueue(news('z'));
    assert.ok(sut.size() <= 10);
    assert.ok(sut.pending('z'), 'fresh news is kept');
  });

  it('keeps working after many replacements (compaction keeps order and content)', () => {
    const sut = new BroadcastQueue(1000);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) sut.enqueue(news(`n${i}`, 'alive', round));
    }
    assert.equal(sut.size(), 20);
    const all = sut.take(100, 10);
    assert.equal(all.length, 20);
    assert.ok(all.every((u) => u.incarnation === 49));
  });
});
