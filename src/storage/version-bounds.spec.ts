import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatVersion } from './version';
import { InvalidVersionError, VersionAheadError } from './storage.errors';
import { MAX_VERSION_LEAD_MS, checkIncomingVersion, isBelievableVersion } from './version-bounds';

const NOW = 1_800_000_000_000;
const at = (ms: number) => formatVersion({ ms, counter: 0, nodeId: 'ab'.repeat(8) });

describe('checkIncomingVersion', () => {
  it('takes stamps up to the tolerated skew ahead of the clock, and any stamp from the past', () => {
    assert.equal(checkIncomingVersion(at(NOW), NOW), at(NOW));
    assert.equal(checkIncomingVersion(at(NOW + MAX_VERSION_LEAD_MS), NOW), at(NOW + MAX_VERSION_LEAD_MS));
    assert.equal(checkIncomingVersion(at(1), NOW), at(1));
  });

  it('refuses a stamp dated beyond the skew, naming how far ahead it is', () => {
    assert.throws(() => checkIncomingVersion(at(NOW + MAX_VERSION_LEAD_MS + 1), NOW), VersionAheadError);
    assert.throws(() => checkIncomingVersion(at(999_999_999_999_999), NOW), /s ahead of this node's clock/);
  });

  it('refuses what is not a version stamp, however it sorts', () => {
    for (const bad of ['~', '', 'zzz', '999999999999999.999999.~', `${at(NOW)}\u0000`, 42, null, undefined]) {
      assert.throws(() => checkIncomingVersion(bad, NOW), InvalidVersionError, String(bad));
      assert.equal(isBelievableVersion(bad, NOW), false);
    }
    assert.equal(isBelievableVersion(at(NOW), NOW), true);
  });
});
