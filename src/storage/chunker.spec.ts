import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FileHasher, chunkStream, sha256Hex } from './chunker';

async function collect(pieces: Uint8Array[], size: number) {
  const out = [];
  for await (const c of chunkStream((async function* () { yield* pieces; })(), size)) out.push(c);
  return out;
}

describe('chunkStream', () => {
  it('cuts fixed-size chunks with a shorter last one, and none for an empty source', async () => {
    const chunks = await collect([Buffer.alloc(10, 1), Buffer.alloc(15, 2)], 8);
    assert.deepEqual(chunks.map((c) => c.data.length), [8, 8, 8, 1]);
    assert.deepEqual(chunks.map((c) => c.index), [0, 1, 2, 3]);
    assert.equal(chunks[0].hash, sha256Hex(chunks[0].data));
    assert.deepEqual(await collect([], 8), []);
  });

  it('reassembles to the input for any piece and chunk sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.integer({ min: 1, max: 64 }), async (pieces, size) => {
        const chunks = await collect(pieces, size);
        const input = Buffer.concat(pieces);
        assert.ok(Buffer.concat(chunks.map((c) => c.data)).equals(input));
        assert.ok(chunks.slice(0, -1).every((c) => c.data.length === size));
      }),
      { numRuns: 200 },
    );
  });
});

describe(FileHasher.name, () => {
  it('hashes the concatenation and counts bytes', () => {
    const sut = new FileHasher();
    sut.update(Buffer.from('hello '));
    sut.update(Buffer.from('world'));
    assert.deepEqual(sut.digest(), { size: 11, contentHash: createHash('sha256').update('hello world').digest('hex') });
  });
});
