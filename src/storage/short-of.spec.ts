import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShortOf } from './short-of';

describe(ShortOf.name, () => {
  it('counts a key once however many peers lack it, until every push of it landed', () => {
    const sut = new ShortOf();
    sut.reset('p1', ['a', 'b']);
    sut.reset('p2', ['b', 'c']);
    assert.equal(sut.size, 3);
    sut.landed('p1', 'b');
    assert.equal(sut.size, 3, 'b is still short of its copy on p2');
    sut.landed('p2', 'b');
    sut.landed('p2', 'b');
    assert.equal(sut.size, 2, 'a second report of the same push counts once');
    sut.reset('p1', ['c']);
    assert.equal(sut.size, 1, "a new round with p1 replaces p1's keys");
    sut.prune((peer) => peer !== 'p2');
    assert.equal(sut.size, 1, 'c is still short on p1');
    sut.prune(() => false);
    assert.equal(sut.size, 0, 'a peer forgotten takes its keys with it');
  });
});
