import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OfferPromises, inParallel, packChunks, runsOf, unpackChunks } from './sync-batch';

describe('sync batches', () => {
  it('packs several chunks into one payload and back, refusing sizes that do not add up', () => {
    const chunks = [{ hash: 'a'.repeat(64), data: Buffer.from('one') }, { hash: 'b'.repeat(64), data: Buffer.from('two!') }];
    const packed = packChunks(chunks);
    assert.deepEqual(unpackChunks(packed), chunks);
    assert.throws(() => unpackChunks({ ...packed, blob: packed.blob.subarray(1) }), /longer than their payload/);
    assert.throws(() => unpackChunks({ chunks: packed.chunks.slice(0, 1), blob: packed.blob }), /shorter than their payload/);
    assert.throws(() => unpackChunks({ chunks: [{ hash: '../x', size: 1 }], blob: Buffer.alloc(1) }), /packed chunk invalid/);
  });

  it('cuts runs by size and count, an oversized item alone', () => {
    assert.deepEqual(runsOf([1, 2, 3, 10, 1], (n) => n, 5), [[1, 2], [3], [10], [1]]);
    assert.deepEqual(runsOf([1, 1, 1], (n) => n, 100, 2), [[1, 1], [1]]);
  });

  it('promises a version to one offer (or pull) at a time, again once the promise ran out', () => {
    let now = 0;
    const sut = new OfferPromises(() => now);
    assert.equal(sut.take('k v1'), true);
    assert.equal(sut.take('k v1'), false, 'a second pusher of the same version is not wanted');
    assert.equal(sut.take('k v2'), true, 'another version is another promise');
    now += 60_001;
    assert.equal(sut.take('k v1'), true, 'a push that never came is asked of someone else');
    sut.release('k v1');
    assert.equal(sut.take('k v1'), true, 'a pull that failed gives its promise back at once');
  });

  it('forgets the promises that ran out, also when no offer comes after them', () => {
    let now = 0;
    const sut = new OfferPromises(() => now);
    // A node back empty promised every version it pulled; then the store goes idle.
    for (let i = 0; i < 1_000; i++) sut.take(`k${i} v`);
    assert.equal(sut.size, 1_000);
    now += 30_000;
    sut.take('late v');
    now += 30_001;
    sut.prune();
    assert.equal(sut.size, 1, 'only the promise made 30 s ago is kept');
    assert.equal(sut.take('k0 v'), true, 'a version whose promise ran out can be promised again');
    assert.equal(sut.take('late v'), false, 'one still promised is not');
  });

  it('runs at most `limit` at a time and reports a failure after the rest ran', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const run = inParallel([1, 2, 3, 4, 5, 6], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setImmediate(r));
      running -= 1;
      if (n === 3) throw new Error('three');
      done.push(n);
    });
    await assert.rejects(run, /three/);
    assert.equal(most, 2);
    assert.deepEqual(done.sort(), [1, 2, 4, 5, 6]);
  });
});
