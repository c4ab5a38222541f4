import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HeldFileEntry, HeldTombstoneEntry, KeyPageRepository } from '../peer-repository/key-page.repository';
import type { KeyPage } from './key-listing';
import { KeyListingService } from './key-listing.service';

const file = (key: string): HeldFileEntry => ({ key, version: 'v1', size: 1, contentHash: 'h', createdAt: 0 });
const entry = (key: string): HeldTombstoneEntry => ({ key, version: 'v1' });
const after = (rows: Array<{ key: string }>, from: string, limit: number) => rows.filter((r) => r.key > from).slice(0, limit);

/** A node's page over the rows given, as if they were in its database. */
function pageOf(held: { files: HeldFileEntry[]; tombstones: HeldTombstoneEntry[]; aborted: HeldTombstoneEntry[] }, limit: number) {
  const keys = {
    files: async (_p: string, from: string, n: number) => after(held.files, from, n),
    tombstones: async (_p: string, from: string, n: number) => after(held.tombstones, from, n),
    aborted: async (_p: string, from: string, n: number) => after(held.aborted, from, n),
  } as unknown as KeyPageRepository;
  const sut = new KeyListingService(undefined as never, undefined as never, keys);
  return sut.localPage({ prefix: '', after: '', limit });
}

/** The last key a page may speak for: every list in it must be complete up to there. */
const lastKeys = (page: KeyPage) => [page.files, page.tombstones, page.aborted ?? []].map((l) => l[l.length - 1]?.key);

describe(`${KeyListingService.name}.localPage`, () => {
  it('stops every list at the first one that was cut, so a page never leaves out a tombstone before its end', async () => {
    const tombstones = ['a1', 'a2', 'a3'].map(entry);
    const page = await pageOf({ files: [file('b')], tombstones, aborted: [] }, 2);
    assert.equal(page.more, true);
    assert.deepEqual(page.files, [], 'file "b" lies past the tombstones cut at "a2"');
    assert.deepEqual(lastKeys(page).slice(0, 2), [undefined, 'a2']);
  });

  it('carries the aborted versions it knows under the prefix, cut like the other lists', async () => {
    const page = await pageOf({ files: [file('a'), file('c')], tombstones: [], aborted: ['a', 'b', 'd'].map(entry) }, 2);
    assert.equal(page.more, true);
    assert.deepEqual(page.aborted, ['a', 'b'].map(entry));
    assert.deepEqual(page.files, [file('a')], 'file "c" lies past the aborts cut at "b"');
  });
});
