import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FileManifest } from '../peer-repository/file.repository';
import { ManifestStaging, SEGMENT_CHUNKS, completeChunks, laterSegments, segmentAt, toWire } from './manifest-segments';

const hash = (i: number) => i.toString(16).padStart(64, '0');
const manifest = (n: number): FileManifest => ({ key: 'k', version: 'v', size: n, contentHash: hash(0), chunkSize: 1, chunks: Array.from({ length: n }, (_, i) => hash(i)), createdAt: 0 });

describe('manifest segments', () => {
  it('sends a long chunk list as a head and segments that put it back together', async () => {
    const m = manifest(2 * SEGMENT_CHUNKS + 5);
    const wire = toWire(m);
    assert.equal(wire.chunks.length, SEGMENT_CHUNKS);
    assert.equal(wire.chunkCount, m.chunks.length);
    assert.ok(Buffer.byteLength(JSON.stringify(wire)) < 1024 * 1024);
    const whole = (await completeChunks(wire, async (from) => segmentAt(m.chunks, from))) as FileManifest;
    assert.deepEqual(whole.chunks, m.chunks);
    assert.equal('chunkCount' in whole, false);
  });

  it('leaves a short manifest as it is', () => {
    const m = manifest(3);
    assert.equal(toWire(m), m);
    assert.deepEqual(laterSegments(m), []);
  });

  it('stages later segments in order for the commit that takes them', async () => {
    const m = manifest(SEGMENT_CHUNKS + 10);
    const sut = new ManifestStaging();
    for (const s of laterSegments(m)) sut.add('id', s.from, s.chunks);
    const whole = (await completeChunks(toWire(m), async () => sut.take('id'))) as FileManifest;
    assert.deepEqual(whole.chunks, m.chunks);
    assert.deepEqual(sut.take('id'), [], 'taken once');
    assert.throws(() => sut.add('other', SEGMENT_CHUNKS + 1, [hash(1)]), /out of order/);
  });

  it('refuses a peer that sends more hashes than it announced, or none', async () => {
    const wire = toWire(manifest(SEGMENT_CHUNKS + 1));
    await assert.rejects(completeChunks(wire, async () => [hash(1), hash(2)]), /longer than its count/);
    await assert.rejects(completeChunks(wire, async () => []), /missing/);
  });
});
