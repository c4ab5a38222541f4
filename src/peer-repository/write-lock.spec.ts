import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { LOGGED_KEYS, bumpDataGeneration, changedSince, dataGeneration } from './write-lock';

describe('data generations', () => {
  it('tell the keys written since a generation', () => {
    const db = {} as DataSource;
    assert.equal(dataGeneration(db), 0);
    assert.deepEqual(changedSince(db, 0), new Set());
    bumpDataGeneration(db, ['a', 'b']);
    const g = dataGeneration(db);
    bumpDataGeneration(db, ['c']);
    bumpDataGeneration(db, ['a']);
    assert.deepEqual(changedSince(db, 0), new Set(['a', 'b', 'c']));
    assert.deepEqual(changedSince(db, g), new Set(['c', 'a']));
    assert.deepEqual(changedSince(db, dataGeneration(db)), new Set());
  });

  it('do not know the keys past a write of keys not named, nor past forgotten writes', () => {
    const db = {} as DataSource;
    bumpDataGeneration(db, ['a']);
    const g = dataGeneration(db);
    bumpDataGeneration(db);
    assert.equal(changedSince(db, g), undefined);
    const after = dataGeneration(db);
    bumpDataGeneration(db, ['b']);
    assert.deepEqual(changedSince(db, after), new Set(['b']));
    bumpDataGeneration(db, Array.from({ length: LOGGED_KEYS }, (_, i) => `k${i}`));
    assert.equal(changedSince(db, after), undefined, 'the write of b was forgotten');
    assert.equal(changedSince(db, after + 1)?.size, LOGGED_KEYS);
  });
});
