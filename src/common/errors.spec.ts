import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeError } from './errors';

describe(describeError.name, () => {
  it('keeps a system error to one line with its code', () => {
    // OpenSSL's messages end in a newline: a peer that sends bytes that are not TLS made the
    // node log a refusal as two lines (found by the live fuzz run's bytes before TLS).
    const err = Object.assign(new Error('C0AB0E4C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record/ssl3_record.c:355:\n'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    assert.equal(describeError(err), 'C0AB0E4C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record/ssl3_record.c:355: (ERR_SSL_WRONG_VERSION_NUMBER)');
  });

  it('keeps the first line of any other error', () => {
    assert.equal(describeError(new Error('first\nsecond')), 'first');
    assert.equal(describeError('plain'), 'plain');
  });
});
