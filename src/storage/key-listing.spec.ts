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

describe(`${mergeKeyPages.name} with aborted versions`, () => {
  // Built apart from the call, as a peer's reply arrives: a page that names the aborts it knows.
  const withAborts = (files: ReturnType<typeof file>[], aborted: Array<{ key: string; version: string }>, more = false) => ({ files, tombstones: [], aborted, more });

  it('does not list a key whose only version another member knows as aborted', () => {
    const holder = withAborts([file('a', 'v2'), file('b', 'v1')], []);
    const knower = withAborts([], [{ key: 'a', version: 'v2' }]);
    assert.deepEqual(mergeKeyPages([holder, knower], 10).files.map((f) => f.key), ['b']);
  });

  it("lists the version an aborted one replaced, with that version's size and metadata", () => {
    const failed = { ...file('a', 'v2'), size: 99, meta: { 'content-type': 'failed/overwrite' } };
    const kept = { ...file('a', 'v1'), size: 7, meta: { 'content-type': 'image/jpeg' } };
    const merged = mergeKeyPages([withAborts([failed], []), withAborts([kept], [{ key: 'a', version: 'v2' }])], 10);
    assert.deepEqual(merged.files, [kept]);
  });

  it('ignores an abort of another version than the one held', () => {
    const merged = mergeKeyPages([withAborts([file('a', 'v3')], [{ key: 'a', version: 'v2' }])], 10);
    assert.deepEqual(merged.files.map((f) => [f.key, f.version]), [['a', 'v3']]);
  });
});
