import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { StorageService } from './storage.service';
import { VersionClock } from './version';

const SELF = 'a'.repeat(32);

/** A one-node coordinator whose own copy of every key is a one-chunk manifest. */
function coordinator() {
  const membership = { knownIds: () => [SELF], upIds: () => [SELF], placementIds: () => [SELF], alive: () => [] };
  const manifestOf = (key: string) => ({ key, version: '000001700000000.000000.aaaaaaaa', size: 1, contentHash: 'h', chunkSize: 256, chunks: ['h'], createdAt: 0 });
  const router = { isSelf: (id: string) => id === SELF, releaseChunks: async () => undefined, report: async (_id: string, key: string) => ({ manifest: manifestOf(key), tombstone: null }) };
  const local = { abortedVersions: async () => [] };
  return new StorageService({ replicas: 1, chunkSize: 256 } as never, membership as never, router as never, local as never, new VersionClock(SELF));
}

/** The coordinator's memo of who held each key at its last lookup (private: what this test is about). */
const sourcesOf = (sut: StorageService) => (sut as unknown as { sources: Map<string, unknown> }).sources;

describe('read sources of StorageService', () => {
  let sut: StorageService;
  beforeEach(() => {
    mock.timers.enable({ apis: ['Date', 'setInterval'] });
    sut = coordinator();
  });
  afterEach(() => {
    sut.onModuleDestroy();
    mock.timers.reset();
  });

  it('forgets who held a key once the memo is past its 60 s, even when the key is never read again', async () => {
    // Every overwrite looks the key up first (beginStore), and so does every read.
    for (let i = 0; i < 1_000; i++) sut.abortStore((await sut.beginStore(`photos/${i}.jpg`)).uploadId);
    assert.equal(sourcesOf(sut).size, 1_000);
    mock.timers.tick(30_000);
    assert.equal(sourcesOf(sut).size, 1_000, 'still fresh: kept');
    mock.timers.tick(40_000);
    assert.equal(sourcesOf(sut).size, 0, 'one memo per key ever looked up is kept until the node stops');
  });
});
