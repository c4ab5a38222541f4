import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SharedView, entriesIn, entriesOfPrints, printPage, recordsIn } from './shared-views';
import { BUCKETS, DigestCursor, PRINT_BYTES, SyncEntry, bucketDigests, bucketOf, comparePrintedKeys, comparePrints, digestPage, entryPrint, keyPrint, packPrints, unpackPrints } from './sync-digest';
import { IndexedKey, byKey } from './indexed-key';

/** A view of these keys' entries, as SharedViews derives one. */
function viewOf(entries: SyncEntry[]): SharedView {
  const buckets = Array.from({ length: BUCKETS }, (): IndexedKey[] => []);
  for (const key of new Set(entries.map((e) => e.key))) buckets[bucketOf(key)].push(IndexedKey.of(key, entries.filter((e) => e.key === key)));
  for (const bucket of buckets) bucket.sort(byKey);
  return { generation: 0, members: '', buckets, digests: bucketDigests(entries) };
}

const entries: SyncEntry[] = Array.from({ length: 400 }, (_, i): SyncEntry[] => {
  const key = `k${i}`;
  const out: SyncEntry[] = [{ key, kind: i % 5 === 0 ? 't' : 'm', version: `v${i}` }];
  if (i % 7 === 0) out.push({ key, kind: 'a', version: `v${i - 1}` });
  return out;
}).flat();

describe(printPage.name, () => {
  it('pages the same prints, in the same order, with the same cursors as digestPage and packPrints', () => {
    const view = viewOf(entries);
    const differing = [40, 3, 17, 3, 0, 63];
    const inBuckets = entriesIn(view, new Set(differing));
    for (const max of [1, 7, 50, 10_000]) {
      let after: DigestCursor | undefined;
      let pages = 0;
      do {
        const want = digestPage(inBuckets, after, max * PRINT_BYTES, () => PRINT_BYTES);
        const got = printPage(view, differing, after, max);
        assert.ok(got.blob.equals(packPrints(want.entries)), `page ${pages} of ${max}`);
        assert.deepEqual(got.next, want.next);
        after = got.next;
        pages += 1;
      } while (after);
      assert.equal(pages, Math.max(1, Math.ceil(inBuckets.length / max)));
    }
  });
});

describe(comparePrintedKeys.name, () => {
  it('agrees with comparePrints on the same entries', () => {
    const view = viewOf(entries);
    const all = [...Array(BUCKETS).keys()];
    const theirs = entries.filter((e, i) => i % 3 !== 0).map((e, i) => (i % 11 === 0 ? { ...e, version: 'other' } : e));
    const prints = unpackPrints(packPrints([...theirs, { key: 'only-theirs', kind: 'm', version: 'v' }]))!;
    const a = comparePrintedKeys(recordsIn(view, all), prints);
    const b = comparePrints(entriesIn(view, all), prints);
    const norm = (x: { differ: SyncEntry[]; ask: string[] }) => ({ differ: x.differ.map((e) => `${e.key} ${e.kind} ${e.version}`).sort(), ask: [...x.ask].sort() });
    assert.deepEqual(norm(a), norm(b));
    assert.ok(a.differ.length > 0 && a.ask.includes(keyPrint('only-theirs')));
  });
});

describe(entriesOfPrints.name, () => {
  it('gives the entries of exactly the keys with these prints, and nothing for strings that are not prints', () => {
    const view = viewOf(entries);
    const keys = [...new Set(entries.map((e) => e.key))].filter((_, i) => i % 9 === 0);
    const prints = new Set([...keys.map(keyPrint), keyPrint('not-held'), 'zz', keyPrint(keys[0]).toUpperCase(), `${keyPrint(keys[1])}00`]);
    const got = entriesOfPrints(view, prints).map((e) => `${e.key} ${e.kind} ${e.version}`).sort();
    const want = entries.filter((e) => keys.includes(e.key)).map((e) => `${e.key} ${e.kind} ${e.version}`).sort();
    assert.deepEqual(got, want);
    assert.deepEqual(entriesOfPrints(view, new Set(['', 'x'.repeat(16)])), []);
  });
});
