import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readChunkRun } from './chunk-run';
import { ChunkNotFoundError } from './storage.errors';

const hashOf = (i: number) => i.toString(16).padStart(64, '0');

/** A store of `sizes[i]`-byte chunks under hashOf(i), without those in `absent`; counts reads. */
function store(sizes: number[], absent: number[] = []) {
  const reads: string[] = [];
  const get = async (hash: string) => {
    reads.push(hash);
    const i = parseInt(hash, 16);
    if (absent.includes(i)) throw new ChunkNotFoundError(hash);
    return Buffer.alloc(sizes[i], i);
  };
  return { get, reads, hashes: sizes.map((_, i) => hashOf(i)) };
}

describe('readChunkRun', () => {
  it('takes chunks in order up to the payload, lists the missing ones and says where to go on', async () => {
    const s = store([10, 10, 10, 10, 10], [1]);
    const first = await readChunkRun(s.get, s.hashes, 0, 25);
    assert.deepEqual(first.found.map((c) => c.hash), [hashOf(0), hashOf(2)]);
    assert.deepEqual(first.missing, [hashOf(1)]);
    assert.equal(first.next, 3);
    const rest = await readChunkRun(s.get, s.hashes, first.next, 25);
    assert.deepEqual(rest.found.map((c) => [c.hash, c.data[0]]), [[hashOf(3), 3], [hashOf(4), 4]]);
    assert.equal(rest.next, 5);
  });

  it('always takes one chunk, even one larger than the payload', async () => {
    const s = store([100, 1]);
    const run = await readChunkRun(s.get, s.hashes, 0, 10);
    assert.deepEqual(run.found.map((c) => c.data.length), [100]);
    assert.equal(run.next, 1);
  });

  it('reads no further ahead than the payload has room for', async () => {
    const s = store(Array.from({ length: 100 }, () => 1024 * 1024));
    const run = await readChunkRun(s.get, s.hashes, 0, 4 * 1024 * 1024);
    assert.equal(run.found.length, 4);
    assert.ok(s.reads.length <= 6, `read ${s.reads.length} chunks of 1 MiB for a 4 MiB payload`);
  });

  it('passes on a failure other than a missing chunk', async () => {
    const get = async () => {
      throw new Error('EIO');
    };
    await assert.rejects(readChunkRun(get, [hashOf(0)], 0, 10), /EIO/);
  });
});
