import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GARBAGE_BYTES, IdleGc, SLACK_REGROWTH_BYTES, shouldCollect } from './idle-gc';

const MiB = 1024 * 1024;
const quiet = { cpuMicros: 150_000, elapsedMs: 15_000, heapTotal: 100 * MiB, heapTotalAfterGc: 0 }; // 1% of a core

describe('shouldCollect', () => {
  it('collects a quiet node holding 16 MiB or more above its floor', () => {
    assert.equal(shouldCollect({ ...quiet, heapUsed: 60 * MiB + GARBAGE_BYTES, heapFloor: 60 * MiB }), true);
  });

  it('leaves a quiet node whose heap is near its floor', () => {
    assert.equal(shouldCollect({ ...quiet, heapUsed: 60 * MiB + GARBAGE_BYTES - 1, heapFloor: 60 * MiB, heapTotal: 80 * MiB }), false);
  });

  it('collects a quiet node whose heap V8 keeps 16 MiB or more beyond what is in use, its garbage freed already', () => {
    assert.equal(shouldCollect({ ...quiet, heapUsed: 60 * MiB, heapFloor: 58 * MiB, heapTotal: 160 * MiB }), true);
    assert.equal(shouldCollect({ ...quiet, heapUsed: 60 * MiB, heapFloor: 58 * MiB, heapTotal: 60 * MiB + GARBAGE_BYTES - 1 }), false);
  });

  it('does not collect for slack again until V8 keeps more than after the last idle collection', () => {
    const afterGc = { ...quiet, heapUsed: 60 * MiB, heapFloor: 60 * MiB, heapTotal: 100 * MiB, heapTotalAfterGc: 100 * MiB };
    assert.equal(shouldCollect(afterGc), false, 'the slack a collection left');
    assert.equal(shouldCollect({ ...afterGc, heapTotal: 100 * MiB + SLACK_REGROWTH_BYTES }), false);
    assert.equal(shouldCollect({ ...afterGc, heapTotal: 100 * MiB + SLACK_REGROWTH_BYTES + 1 }), true, 'V8 took more since');
  });

  it('never collects while the node works (5% of a core or more)', () => {
    assert.equal(shouldCollect({ ...quiet, cpuMicros: 750_000, heapUsed: 400 * MiB, heapFloor: 60 * MiB, heapTotal: 500 * MiB }), false);
  });

  it('does nothing on an empty interval', () => {
    assert.equal(shouldCollect({ ...quiet, cpuMicros: 0, elapsedMs: 0, heapUsed: 400 * MiB, heapFloor: 60 * MiB, heapTotal: 500 * MiB }), false);
  });
});

describe(IdleGc.name, () => {
  it('gets a full collection from V8 without --expose-gc and stops its timer on destroy', () => {
    const sut = new IdleGc();
    sut.onModuleInit();
    const gc = (sut as unknown as { gc?: () => void }).gc;
    assert.equal(typeof gc, 'function');
    const before = process.memoryUsage().heapUsed;
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    assert.ok(garbage.length > 0);
    garbage = undefined;
    gc!();
    assert.ok(process.memoryUsage().heapUsed < before + 8 * MiB, 'the collection freed the garbage');
    sut.onModuleDestroy();
  });

  it('gives back the pages of a heap whose garbage was spread among live objects (it compacts)', () => {
    const sut = new IdleGc();
    sut.onModuleInit();
    const gc = (sut as unknown as { gc?: () => void }).gc!;
    // One object in ten kept, as a burst leaves the objects it still holds among its garbage: a
    // collection that does not compact keeps some 150 MiB beyond what is in use here.
    const kept: unknown[] = [];
    let garbage: unknown[] | undefined = [];
    for (let i = 0; i < 600_000; i++) (i % 10 === 0 ? kept : garbage).push({ i, s: `${'y'.repeat(60)}${i}` });
    garbage = undefined;
    assert.equal(garbage, undefined);
    gc();
    const { heapUsed, heapTotal } = process.memoryUsage();
    assert.ok(kept.length > 0);
    assert.ok(heapTotal - heapUsed < 64 * MiB, `V8 keeps ${((heapTotal - heapUsed) / MiB).toFixed(0)} MiB beyond the ${(heapUsed / MiB).toFixed(0)} MiB in use`);
    sut.onModuleDestroy();
  });
});
