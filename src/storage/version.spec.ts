import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock';
import { VersionClock, compareVersions, parseVersion } from './version';
import { InvalidVersionError } from './storage.errors';

describe(VersionClock.name, () => {
  it('issues strictly increasing stamps even when the clock stands still or goes back', () => {
    const clock = new ManualClock(1000);
    const sut = new VersionClock('ab'.repeat(8), clock);
    const a = sut.next();
    const b = sut.next();
    clock.set(500);
    const c = sut.next();
    assert.ok(compareVersions(a, b) < 0 && compareVersions(b, c) < 0, `${a} < ${b} < ${c}`);
  });

  it('moves past versions it observes', () => {
    const sut = new VersionClock('ab'.repeat(8), new ManualClock(1000));
    const remote = new VersionClock('cd'.repeat(8), new ManualClock(9000)).next();
    sut.observe(remote);
    assert.ok(compareVersions(sut.next(), remote) > 0);
    sut.observe('garbage');
  });

  it('parses its own stamps and rejects others', () => {
    const v = new VersionClock('ab'.repeat(8), new ManualClock(42)).next();
    assert.deepEqual(parseVersion(v), { ms: 42, counter: 0, nodeId: 'ab'.repeat(8) });
    assert.throws(() => parseVersion('1.2.3'), InvalidVersionError);
  });
});
