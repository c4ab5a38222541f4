import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { learnKeys, withKeys } from './member-keys';
import { MemoryPinStore } from '../transport/tls/pin-store';
import { SwimMessage, isSwimMessage } from './swim/messages';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const SELF = 'c'.repeat(64);
const from = { nodeId: 'self', address: '127.0.0.1:1', incarnation: 1 };
const update = (nodeId: string, fingerprint?: string) => ({ nodeId, address: '127.0.0.1:2', state: 'alive' as const, incarnation: 1, ...(fingerprint ? { fingerprint } : {}) });

describe('member keys in gossip', () => {
  it('sends the pinned key of each member and our own, and nothing for members with no pin', () => {
    const pins = new MemoryPinStore();
    pins.pin('m1', A);
    const core = { type: 'push-pull', reply: false, from, members: [update('m1'), update('m2', B), update('self')] } satisfies SwimMessage;
    const sent = withKeys(core, pins, { nodeId: 'self', fingerprint: SELF });
    assert.ok(isSwimMessage(sent));
    assert.deepEqual(sent.type === 'push-pull' && sent.members.map((u) => u.fingerprint), [A, undefined, SELF]);
    assert.equal(core.members[1].fingerprint, B, "the core's objects are not changed");
  });

  it('pins what it hears, reports conflicts, and ignores news of its own key', () => {
    const pins = new MemoryPinStore();
    pins.pin('m1', A);
    const heard = { type: 'gossip', from, updates: [update('m1', B), update('m2', B), update('self', A)] } satisfies SwimMessage;
    assert.deepEqual(learnKeys(heard, pins, 'self'), [{ nodeId: 'm1', heard: B, pinned: A }]);
    assert.equal(pins.pinned('m1'), A);
    assert.equal(pins.pinned('m2'), B);
    assert.equal(pins.pinned('self'), undefined);
  });

  it('refuses a malformed fingerprint on the wire', () => {
    assert.equal(isSwimMessage({ type: 'gossip', from, updates: [update('m1', 'not hex')] }), false);
    assert.equal(isSwimMessage({ type: 'gossip', from, updates: [update('m1', A.toUpperCase())] }), false);
    assert.equal(isSwimMessage({ type: 'gossip', from, updates: [update('m1', A)] }), true);
  });
});
