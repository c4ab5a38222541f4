import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { firstEvent } from './wait';

describe(firstEvent.name, () => {
  it('resolves at whichever event comes first and leaves no listener on any', async () => {
    for (const first of ['drain', 'close']) {
      const sut = new EventEmitter();
      const waiting = firstEvent(sut, ['drain', 'close']);
      assert.equal(sut.listenerCount('drain') + sut.listenerCount('close'), 2);
      sut.emit(first);
      await waiting;
      assert.equal(sut.listenerCount('drain') + sut.listenerCount('close'), 0, `after ${first}`);
    }
  });
});
