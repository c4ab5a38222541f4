import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateKey } from './key';
import { InvalidKeyError } from './storage.errors';

describe('validateKey', () => {
  it('accepts opaque UTF-8 keys up to 1024 bytes, slashes and dots included', () => {
    for (const k of ['a', 'docs/../etc/passwd', 'ünïcödé 🎉', 'x'.repeat(1024)]) assert.equal(validateKey(k), k);
  });

  it('rejects empty, too long, control characters and lone surrogates', () => {
    for (const k of ['', 'x'.repeat(1025), 'é'.repeat(513), 'a\nb', 'a\u0000', 'a\u009f', 'bad\ud800']) {
      assert.throws(() => validateKey(k), InvalidKeyError, JSON.stringify(k));
    }
  });
});
