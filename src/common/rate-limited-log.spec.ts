import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock';
import { RateLimitedLog } from './rate-limited-log';

describe(RateLimitedLog.name, () => {
  it('writes a burst per window, counts the rest, and says how many it left out', () => {
    const lines: string[] = [];
    const clock = new ManualClock(0);
    const sut = new RateLimitedLog((l) => lines.push(l), 3, 1000, clock);
    for (let i = 0; i < 100; i++) sut.note(`refused ${i}`);
    assert.deepEqual(lines, ['refused 0', 'refused 1', 'refused 2']);
    clock.advance(1000);
    assert.equal(sut.note('refused again'), true);
    assert.equal(lines[3], 'refused again (97 similar lines left out before this one)');
    assert.equal(sut.note('next'), true);
    assert.equal(lines[4], 'next');
  });
});
