import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearerTokenOf, matchesAnyToken } from './bearer-token';

describe('matchesAnyToken', () => {
  it('accepts every token of the keyring', () => {
    const ring = ['first-token', 'second-token-longer'];
    assert.equal(matchesAnyToken('first-token', ring), true);
    assert.equal(matchesAnyToken('second-token-longer', ring), true);
  });

  it('refuses prefixes, extensions, other cases and the empty string', () => {
    const ring = ['first-token'];
    for (const wrong of ['first-toke', 'first-tokenX', 'FIRST-TOKEN', '', ' first-token']) assert.equal(matchesAnyToken(wrong, ring), false, wrong);
  });

  it('refuses everything with an empty keyring', () => {
    assert.equal(matchesAnyToken('', []), false);
    assert.equal(matchesAnyToken('anything', []), false);
  });
});

describe('bearerTokenOf', () => {
  it('reads the token of a Bearer header only', () => {
    assert.equal(bearerTokenOf('Bearer abc'), 'abc');
    assert.equal(bearerTokenOf('bearer abc'), 'abc');
    assert.equal(bearerTokenOf('Basic abc'), '');
    assert.equal(bearerTokenOf('Bearer '), '');
    assert.equal(bearerTokenOf(undefined), '');
  });
});
