import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyReportCache } from './key-report-cache';

const cache = (maxBytes = 1000) => new KeyReportCache<string>(maxBytes, (row) => row.length);

describe('key report cache', () => {
  it('keeps a row read with a valid ticket and gives it back', () => {
    const sut = cache();
    const t = sut.begin('k');
    sut.keep('k', t, 'row');
    assert.equal(sut.get('k'), 'row');
    assert.equal(sut.usedBytes, 3);
  });

  it('does not keep a row whose read overlapped a write of its key, nor after a write of any key', () => {
    const sut = cache();
    const t1 = sut.begin('k');
    const other = sut.begin('other');
    sut.invalidate(['k']);
    sut.keep('k', t1, 'old');
    assert.equal(sut.get('k'), undefined, 'read before the write, returned after it');
    sut.keep('other', other, 'fine');
    assert.equal(sut.get('other'), 'fine', 'a write of another key does not void the read');
    const t2 = sut.begin('k');
    sut.invalidate(undefined);
    sut.keep('k', t2, 'old');
    assert.equal(sut.get('k'), undefined);
    assert.equal(sut.get('other'), undefined, 'a write of keys not named drops everything');
    assert.equal(sut.usedBytes, 0);
  });

  it('drops a kept row when its key is written', () => {
    const sut = cache();
    sut.keep('k', sut.begin('k'), 'row');
    sut.invalidate(['k']);
    assert.equal(sut.get('k'), undefined);
    assert.equal(sut.usedBytes, 0);
  });

  it('keeps within its bytes, the least recently used out first, and leaves out rows too large', () => {
    const sut = cache(160);
    const keys = Array.from({ length: 16 }, (_, i) => `k${i}`);
    for (const k of keys) sut.keep(k, sut.begin(k), 'x'.repeat(10));
    assert.equal(sut.usedBytes, 160);
    assert.ok(sut.get('k0'), 'k0 used: k1 is now the oldest');
    sut.keep('new', sut.begin('new'), 'x'.repeat(10));
    assert.equal(sut.get('k1'), undefined);
    assert.ok(['k0', 'k2', 'k15', 'new'].every((k) => sut.get(k)));
    assert.equal(sut.usedBytes, 160);
    sut.keep('big', sut.begin('big'), 'x'.repeat(11));
    assert.equal(sut.get('big'), undefined, 'more than a sixteenth of the cache');
    assert.equal(sut.size, 16);
  });

  it('forgets the ticket of a failed read', () => {
    const sut = cache();
    const t = sut.begin('k');
    sut.abandon('k', t);
    sut.keep('k', sut.begin('k'), 'row');
    assert.equal(sut.get('k'), 'row');
  });
});
