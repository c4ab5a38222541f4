import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKETS, DigestCursor, PRINT_BYTES, bucketDigests, bucketOf, comparePrints, differingBuckets, digestPage, keyPrint, packPrints, planSync, SyncEntry, unpackPrints } from './sync-digest';

const m = (key: string, version: string): SyncEntry => ({ key, kind: 'm', version });
const t = (key: string, version: string): SyncEntry => ({ key, kind: 't', version });
const a = (key: string, version: string): SyncEntry => ({ key, kind: 'a', version });

describe('sync digests', () => {
  it('are equal for the same entries in any order and differ only in the touched bucket', () => {
    const a = [m('a', '1'), m('b', '1'), m('c', '2')];
    assert.deepEqual(bucketDigests(a), bucketDigests([...a].reverse()));
    const changed = bucketDigests([m('a', '1'), m('b', '1'), m('c', '3')]);
    assert.deepEqual(differingBuckets(bucketDigests(a), changed), [bucketOf('c')]);
    assert.equal(bucketDigests([]).length, BUCKETS);
  });

  it('plans pushes of newer manifests and pulls of newer ones there', () => {
    const plan = planSync([m('a', '2'), m('b', '1')], [m('a', '1'), m('b', '3'), m('c', '1')]);
    assert.deepEqual(plan.push, [m('a', '2')]);
    assert.deepEqual(plan.pull.map((e) => e.key).sort(), ['b', 'c']);
  });

  it('lets a tombstone win over an older or equal manifest on either side', () => {
    const plan = planSync([t('a', '5')], [m('a', '4')]);
    assert.deepEqual(plan.push, [t('a', '5')]);
    assert.deepEqual(plan.pull, []);
    const back = planSync([m('a', '4')], [t('a', '5')]);
    assert.deepEqual(back.pull, [t('a', '5')]);
    assert.deepEqual(planSync([m('a', '4')], [m('a', '4')]), { push: [], pull: [] });
  });
});

describe(digestPage.name, () => {
  const entries: SyncEntry[] = Array.from({ length: 500 }, (_, i) => ({ key: `key-${i}`, kind: i % 7 ? 'm' : 't', version: `v${i}` }));

  it('returns every entry exactly once across its pages, each within the byte budget', () => {
    const seen: SyncEntry[] = [];
    let after: DigestCursor | undefined;
    let pages = 0;
    do {
      const page = digestPage(entries, after, 2_000);
      assert.ok(Buffer.byteLength(JSON.stringify(page.entries)) <= 2_000 + page.entries.length);
      seen.push(...page.entries);
      after = page.next;
      pages += 1;
    } while (after);
    assert.ok(pages > 10);
    assert.equal(seen.length, entries.length);
    assert.equal(new Set(seen.map((e) => e.key)).size, entries.length);
  });

  it('carries one entry per page even when a single entry is over the budget', () => {
    const page = digestPage(entries.slice(0, 3), undefined, 1);
    assert.equal(page.entries.length, 1);
    assert.ok(page.next);
  });

  it('needs no cursor when everything fits', () => {
    assert.deepEqual(digestPage(entries.slice(0, 3), undefined).next, undefined);
  });

  it('exchanges aborts either side lacks and never moves an aborted version', () => {
    // Here the failed version 5 was aborted and 4 is back; there the holder that missed the abort still has 5.
    const plan = planSync([m('k', '4'), a('k', '5')], [m('k', '5')]);
    assert.deepEqual(plan.push, [a('k', '5'), m('k', '4')]);
    assert.deepEqual(plan.pull, []);
    const back = planSync([m('k', '5')], [m('k', '4'), a('k', '5')]);
    assert.deepEqual(back.pull, [a('k', '5'), m('k', '4')]);
    assert.deepEqual(back.push, []);
    // An abort hides only its own version: a newer manifest still wins.
    assert.deepEqual(planSync([m('k', '6'), a('k', '5')], [m('k', '4'), a('k', '5')]), { push: [m('k', '6')], pull: [] });
  });
});

describe('prints', () => {
  it('are 16 bytes per key and name only the keys that differ or that one side lacks', () => {
    const aborted: SyncEntry = { key: 'aborted-there', kind: 'a', version: '2' };
    const theirs = [m('same', '1'), t('same', '0'), m('newer-there', '5'), t('deleted-there', '3'), m('only-there', '1'), m('aborted-there', '1'), aborted];
    const blob = packPrints(theirs);
    assert.equal(blob.length, theirs.length * PRINT_BYTES);
    const prints = unpackPrints(blob)!;
    const mine = [t('same', '0'), m('same', '1'), m('newer-there', '4'), m('deleted-there', '2'), m('only-here', '1'), m('aborted-there', '1')];
    const { differ, ask } = comparePrints(mine, prints);
    assert.deepEqual(differ.map((e) => e.key).sort(), ['aborted-there', 'deleted-there', 'newer-there', 'only-here'], 'a key is in step only with the same entries on both sides, in any order');
    assert.deepEqual(ask.sort(), ['aborted-there', 'deleted-there', 'newer-there', 'only-there'].map(keyPrint).sort());
    const plan = planSync(differ, theirs.filter((e) => ask.includes(keyPrint(e.key))));
    assert.deepEqual(plan.push, [m('only-here', '1')]);
    assert.deepEqual(plan.pull.map((e) => `${e.key} ${e.kind}`).sort(), ['aborted-there a', 'deleted-there t', 'newer-there m', 'only-there m']);
  });

  it('refuses a payload that is not whole prints', () => {
    assert.equal(unpackPrints(Buffer.alloc(PRINT_BYTES + 1)), undefined);
    assert.equal(unpackPrints('not a buffer'), undefined);
    assert.equal(unpackPrints(undefined)?.size, 0, 'an empty page carries no payload');
  });
});
