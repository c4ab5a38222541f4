import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatVersion } from './version';
import { holderNeed, tombstoneExpired } from './tombstone-settler';
import type { ManifestReport } from './storage.types';

const NODE = 'ab'.repeat(8);
const v = (ms: number) => formatVersion({ ms, counter: 0, nodeId: NODE });
const report = (manifest: number | null, tombstone: number | null): ManifestReport => ({
  manifest: manifest === null ? null : { key: 'k', version: v(manifest), size: 0, contentHash: '', chunkSize: 1, chunks: [], createdAt: 0 },
  tombstone: tombstone === null ? null : { key: 'k', version: v(tombstone) },
});

describe('tombstoneExpired', () => {
  it('counts from the version time of the delete, not from when it arrived', () => {
    const now = 1_000_000;
    assert.equal(tombstoneExpired(v(now - 2001), now, 2000), true, 'a delete older than the ttl is expired, however recently it was applied here');
    assert.equal(tombstoneExpired(v(now - 1999), now, 2000), false);
  });
});

describe('holderNeed', () => {
  it('says a holder has a tombstone when it has this one or a newer one', () => {
    assert.equal(holderNeed(report(null, 10), v(10), false), 'has');
    assert.equal(holderNeed(report(null, 11), v(10), true), 'has');
  });

  it('gives a live tombstone to every holder that lacks it', () => {
    assert.equal(holderNeed(report(null, null), v(10), false), 'needs');
    assert.equal(holderNeed(report(null, 9), v(10), false), 'needs');
  });

  it('gives an expired tombstone only where it still deletes an older manifest', () => {
    assert.equal(holderNeed(report(9, null), v(10), true), 'needs');
    assert.equal(holderNeed(report(null, null), v(10), true), 'clear');
    assert.equal(holderNeed(report(11, null), v(10), true), 'clear', 'a newer store is not deleted');
  });
});
