import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pushPullInterval } from './timing';

describe(pushPullInterval.name, () => {
  // base up to 32 members, then base * (ceil(log2(N) - log2(32)) + 1)
  const table: Array<[n: number, expected: number]> = [
    [1, 3000],
    [32, 3000],
    [33, 6000],
    [64, 6000],
    [65, 9000],
    [1000, 18_000],
    [10_000, 30_000],
  ];
  for (const [n, expected] of table) {
    it(`N=${n} -> ${expected} ms`, () => assert.equal(pushPullInterval({ pushPullIntervalMs: 3000 }, n), expected));
  }
});
