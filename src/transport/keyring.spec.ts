import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring, NO_KEY_ID, keyIdOf } from './keyring';

describe(Keyring.name, () => {
  it('uses the first secret, accepts all, and names each by a key id that hides the secret', () => {
    const sut = new Keyring(['new', 'old', 'new', '']);
    assert.equal(sut.primary?.secret, 'new');
    assert.deepEqual(sut.keyIds, [keyIdOf('new'), keyIdOf('old')]);
    assert.match(sut.primary!.keyId, /^[0-9a-f]{16}$/);
    assert.ok(!sut.primary!.keyId.includes('new'));
    assert.ok(sut.has(keyIdOf('old')));
    assert.equal(new Keyring().has(NO_KEY_ID), true);
    assert.equal(sut.has(NO_KEY_ID), false);
  });

  it('tells its listeners which key ids a replacement removed', () => {
    const sut = new Keyring(['old']);
    const heard: string[][] = [];
    const stop = sut.onRemoved((removed) => heard.push(removed));
    assert.deepEqual(sut.replace(['old', 'new']), []);
    assert.deepEqual(sut.replace(['new']), [keyIdOf('old')]);
    stop();
    sut.replace(['other']);
    assert.deepEqual(heard, [[keyIdOf('old')]]);
    assert.equal(sut.primary?.secret, 'other');
  });
});
