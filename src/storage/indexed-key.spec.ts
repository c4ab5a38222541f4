import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IndexedKey } from './indexed-key';
import { SyncEntry, bucketOf, entryPrint, keyPrint, packPrints } from './sync-digest';

/** Keys with every mix of entries a key can have: a manifest, a tombstone, aborts, and some of each. */
const cases: SyncEntry[][] = Array.from({ length: 300 }, (_, i) => {
  const key = `photos/2026/${i}/IMG_${'é'.repeat(i % 3)}${i}.jpg`;
  const out: SyncEntry[] = [];
  if (i % 4 !== 1) out.push({ key, kind: 'm', version: `000001700000000${i}.000000.aa` });
  if (i % 5 === 0 || i % 4 === 1) out.push({ key, kind: 't', version: `000001700000001${i}.000000.bb` });
  for (let a = 0; a < i % 3; a++) out.push({ key, kind: 'a', version: `000001700000002${i}.00000${a}.cc` });
  return out;
});

describe(IndexedKey.name, () => {
  it('gives the entries it was made of, with the bucket and prints that sync-digest computes', () => {
    for (const entries of cases) {
      const key = entries[0].key;
      const sut = IndexedKey.of(key, entries);
      assert.equal(sut.bucket, bucketOf(key), key);
      assert.equal(sut.print, keyPrint(key), key);
      const kindOrder = (e: SyncEntry) => ['m', 't', 'a'].indexOf(e.kind);
      const want = [...entries].sort((x, y) => kindOrder(x) - kindOrder(y));
      assert.deepEqual(sut.entries, want, key);
      assert.deepEqual(sut.entryPrints, want.map(entryPrint), key);
      assert.equal(sut.hasManifest, entries.some((e) => e.kind === 'm'), key);
      // The packed prints, in kind order, are packPrints' of the same entries.
      const byKind = [...entries].sort((x, y) => (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0));
      const blob = Buffer.alloc(byKind.length * 16);
      sut.printsByKind().forEach((p, n) => p.write(blob, n * 16));
      assert.deepEqual(sut.printsByKind().map((p) => p.kind), byKind.map((e) => e.kind), key);
      assert.ok(blob.equals(packPrints(byKind)), key);
    }
  });

  it('keeps only the aborts for a peer that does not hold the key, and the same prints', () => {
    for (const entries of cases) {
      const key = entries[0].key;
      const sut = IndexedKey.of(key, entries).abortsOnly();
      const aborts = entries.filter((e) => e.kind === 'a');
      if (aborts.length === 0) {
        assert.equal(sut, undefined, key);
        continue;
      }
      assert.deepEqual(sut!.entries, aborts, key);
      assert.deepEqual(sut!.entryPrints, aborts.map(entryPrint), key);
      assert.equal(sut!.print, keyPrint(key), key);
      assert.equal(sut!.hasManifest, false, key);
    }
  });

  it('made again from its previous record, is the record made afresh', () => {
    const [first, second] = [cases[3], cases[10]];
    const key = first[0].key;
    const moved = second.map((e) => ({ ...e, key }));
    assert.deepEqual(IndexedKey.of(key, moved, IndexedKey.of(key, first)).entryPrints, IndexedKey.of(key, moved).entryPrints);
    assert.equal(IndexedKey.of(key, moved, IndexedKey.of(key, first)).print, keyPrint(key));
  });
});
