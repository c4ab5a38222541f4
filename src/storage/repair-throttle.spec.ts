import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock';
import { RepairThrottle } from './repair-throttle';

const MiB = 1024 * 1024;

/** A throttle on a hand-moved clock whose waits move the clock and are recorded. */
function throttle(rate: number) {
  const clock = new ManualClock(1_000_000);
  const waits: number[] = [];
  const sut = new RepairThrottle(rate, clock, async (ms) => {
    waits.push(ms);
    clock.advance(ms);
  });
  return { sut, clock, waits };
}

describe(RepairThrottle.name, () => {
  it('lets 1 MiB chunks through at 1 MiB/s after a first second of budget', async () => {
    const { sut, clock, waits } = throttle(MiB);
    const start = clock.now();
    for (let i = 0; i < 4; i++) await sut.take(MiB);
    assert.equal(clock.now() - start, 3000);
    assert.deepEqual(waits, [1000, 1000, 1000]);
  });

  it('lets half-second chunks through twice a second', async () => {
    const { sut, clock } = throttle(2 * MiB);
    const start = clock.now();
    for (let i = 0; i < 6; i++) await sut.take(MiB);
    assert.equal(clock.now() - start, 2000);
  });

  it('lets a chunk larger than a second of budget through once the bucket is full', async () => {
    const { sut, waits } = throttle(MiB / 2);
    await sut.take(MiB);
    await sut.take(MiB);
    assert.deepEqual(waits, [2000]);
  });

  it('never waits when unlimited (0)', async () => {
    const { sut, waits } = throttle(0);
    for (let i = 0; i < 100; i++) await sut.take(MiB);
    assert.deepEqual(waits, []);
  });
});
