import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../gossip.presets';
import { Suspicion, suspicionBounds, suspicionTimeout } from './suspicion';

const lan = GOSSIP_PRESETS.lan;

describe(suspicionBounds.name, () => {
  // min = suspicionMult * max(1, log10(N)) * probeInterval; max = suspicionMaxMult * min; k = min(K, N - 2)
  const table: Array<[n: number, minMs: number, maxMs: number, k: number]> = [
    [0, 1600, 9600, 0],
    [1, 1600, 9600, 0],
    [2, 1600, 9600, 0],
    [3, 1600, 9600, 1],
    [10, 1600, 9600, 3],
    [50, 4 * Math.log10(50) * 400, 6 * 4 * Math.log10(50) * 400, 3],
    [100, 3200, 19_200, 3],
    [1000, 4800, 28_800, 3],
    [10_000, 6400, 38_400, 3],
  ];
  for (const [n, minMs, maxMs, k] of table) {
    it(`N=${n} -> min ${Math.round(minMs)} ms, max ${Math.round(maxMs)} ms, k=${k}`, () => {
      const sut = suspicionBounds(lan, n);
      assert.ok(Math.abs(sut.minMs - minMs) < 1e-6, `min ${sut.minMs}`);
      assert.ok(Math.abs(sut.maxMs - maxMs) < 1e-6, `max ${sut.maxMs}`);
      assert.equal(sut.k, k);
    });
  }
});

describe(suspicionTimeout.name, () => {
  const bounds = { minMs: 2000, maxMs: 12_000, k: 3 };
  // timeout = max(min, max - (max - min) * log(C + 1) / log(K + 1))
  const table: Array<[confirmations: number, expected: number]> = [
    [0, 12_000],
    [1, 7000], // 12000 - 10000 * log 2 / log 4 = 12000 - 5000
    [2, Math.floor(12_000 - 10_000 * (Math.log(3) / Math.log(4)))],
    [3, 2000],
    [7, 2000],
  ];
  for (const [c, expected] of table) {
    it(`C=${c} of K=3 -> ${expected} ms`, () => {
      assert.equal(suspicionTimeout(bounds, c), expected);
    });
  }

  it('is the minimum when no confirmation can ever come (k = 0)', () => {
    assert.equal(suspicionTimeout({ minMs: 2000, maxMs: 12_000, k: 0 }, 0), 2000);
  });
});

describe(Suspicion.name, () => {
  const bounds = { minMs: 2000, maxMs: 12_000, k: 3 };

  it('starts at the maximum and shrinks with each distinct confirmation, measured from the start', () => {
    const sut = new Suspicion(4, 1000, 'a', bounds);
    assert.equal(sut.expiresAt(), 13_000);
    assert.equal(sut.confirm('b'), true);
    assert.equal(sut.expiresAt(), 1000 + 7000);
    assert.equal(sut.confirm('b'), false, 'the same suspector twice is one confirmation');
    assert.equal(sut.confirm('a'), false, 'the first suspector does not confirm itself');
    sut.confirm('c');
    sut.confirm('d');
    assert.equal(sut.confirmations(), 3);
    assert.equal(sut.expiresAt(), 3000);
    assert.equal(sut.confirm('e'), false, 'beyond k, nothing left to shorten or to re-gossip');
  });

  it('never expires before a postponement, whatever the confirmations', () => {
    const sut = new Suspicion(0, 0, 'a', bounds);
    sut.postpone(20_000);
    assert.equal(sut.expiresAt(), 20_000);
    sut.confirm('b');
    sut.confirm('c');
    sut.confirm('d');
    assert.equal(sut.expiresAt(), 20_000);
  });
});
