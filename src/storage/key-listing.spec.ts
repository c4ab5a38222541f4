import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, KeyPage, mergeKeyPages } from './key-listing';

const file = (key: string, version = 'v1') => ({ key, version, size: 1, contentHash: 'h', createdAt: 0 });
const grave = (key: string, version = 'v2') => ({ key, version });

describe(mergeKeyPages.name, () => {
  it('takes the newest version of a key and hides keys whose tombstone is at least as new', () => {
    const a: KeyPage = { files: [file('a', 'v1'), file('b', 'v1'), file('c', 'v3')], tombstones: [], more: false };
    const b: KeyPage = { files: [file('a', 'v2')], tombstones: [grave('b', 'v2'), grave('c', 'v2')], more: false };
    const merged = mergeKeyPages([a, b], 10);
    assert.deepEqual(merged.files.map((f) => [f.key, f.version]), [['a', 'v2'], ['c', 'v3']]);
    assert.equal(merged.next, undefined);
  });

  it('speaks only up to the smallest last key of a member that stopped early', () => {
    const full: KeyPage = { files: [file('a'), file('b')], tombstones: [], more: true };
    const rest: KeyPage = { files: [file('a'), file('c'), file('d')], tombstones: [], more: false };
    const merged = mergeKeyPages([full, rest], 10);
    assert.deepEqual(merged.files.map((f) => f.key), ['a', 'b']);
    assert.equal(merged.next, 'b');
  });

  it('cuts at the limit and continues after the last key given', () => {
    const merged = mergeKeyPages([{ files: [file('a'), file('b'), file('c')], tombstones: [], more: false }], 2);
    assert.deepEqual(merged.files.map((f) => f.key), ['a', 'b']);
    assert.equal(merged.next, 'b');
  });

  it('continues after a tombstone bound even when no live key is left in the page', () => {
    const merged = mergeKeyPages([{ files: [], tombstones: [grave('a'), grave('b')], more: true }], 2);
    assert.deepEqual(merged.files, []);
    assert.equal(merged.next, 'b');
  });
});

describe(compareKeys.name, () => {
  it('orders by UTF-8 bytes, so characters above U+FFFF sort after U+E000-U+FFFF', () => {
    const keys = ['\u{1F600}', '\uFF5E', 'z', 'a/b', 'a', '\u00e9'];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...keys].sort(compareKeys), byBytes);
  });
});
