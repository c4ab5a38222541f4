import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPinStore, checkPin } from './pin-store';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe(MemoryPinStore.name, () => {
  it('takes a gossiped key only when nothing is pinned, and never replaces a pin', () => {
    const saved: string[] = [];
    const sut = new MemoryPinStore((id, fp) => saved.push(`${id}=${fp[0]}`));
    assert.equal(sut.heard('n1', A), 'pinned');
    assert.equal(sut.heard('n1', A), 'same');
    assert.equal(sut.heard('n1', B), 'conflict');
    sut.pin('n1', B);
    assert.equal(sut.pinned('n1'), A);
    assert.match(checkPin(sut, 'n1', B) ?? '', /^key: node n1 showed key bbbb/);
    assert.deepEqual(saved, ['n1=a']);
  });

  it('after a forget on purpose takes the next key from a handshake, not from gossip', () => {
    const sut = new MemoryPinStore();
    sut.pin('n1', A);
    sut.forget('n1', true);
    assert.equal(sut.pinned('n1'), undefined);
    assert.equal(checkPin(sut, 'n1', B), undefined);
    assert.equal(sut.heard('n1', A), 'ignored', 'the old key, gossiped by a node that still pins it');
    assert.equal(sut.keyOf('n1'), undefined, 'nothing to vouch for in gossip');
    sut.pin('n1', B);
    assert.equal(sut.pinned('n1'), B);
    assert.equal(sut.heard('n1', A), 'conflict');
  });
});
