import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock';

describe(ManualClock.name, () => {
  it('moves only when advanced', () => {
    const sut = new ManualClock(100);
    assert.equal(sut.now(), 100);
    sut.advance(50);
    assert.equal(sut.now(), 150);
  });
});
