import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SwimMessage, WIRE_LIMITS, isSwimMessage } from './messages';

const from = { nodeId: 'a1b2c3d4', address: '127.0.0.1:3000', incarnation: 7 };
const update = { nodeId: 'e5f6a7b8', address: '[::1]:3001', state: 'suspect', incarnation: 2, from: 'a1b2c3d4' };

const valid: SwimMessage[] = [
  { type: 'ping', seq: 1, target: 'e5f6a7b8', from, updates: [] },
  { type: 'ack', seq: 1, from, updates: [update as never] },
  { type: 'nack', seq: 9, from, updates: [] },
  { type: 'ping-req', seq: 3, target: { nodeId: 'e5f6a7b8', address: 'node-2.p2p.svc:3000' }, from, updates: [] },
  { type: 'gossip', from, updates: [update as never, { nodeId: 'x', address: 'localhost:1', state: 'left', incarnation: 0 }] },
  { type: 'push-pull', reply: false, from, members: [update as never] },
];

/** A copy of `base` with `path` set to `value` (or removed when value is the string '<delete>'). */
function tamper(base: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === '<delete>') delete at[last];
  else at[last] = value;
  return copy;
}

describe(isSwimMessage.name, () => {
  for (const message of valid) {
    it(`accepts a well-formed ${message.type}`, () => {
      assert.equal(isSwimMessage(JSON.parse(JSON.stringify(message))), true);
    });
  }

  const hostile: Array<[string, unknown]> = [
    ['null', null],
    ['an array', [valid[0]]],
    ['a string', 'ping'],
    ['an unknown type', { ...valid[5], type: 'push-pull-v2' }],
    ['an extra field', { ...valid[0], admin: true }],
    ['a __proto__ key', JSON.parse('{"type":"gossip","from":{"nodeId":"a","address":"h:1","incarnation":0},"updates":[],"__proto__":{"x":1}}')],
    ['a missing sender', tamper(valid[0], ['from'], '<delete>')],
    ['a negative seq', tamper(valid[0], ['seq'], -1)],
    ['a fractional seq', tamper(valid[0], ['seq'], 1.5)],
    ['a seq beyond 2^53', tamper(valid[0], ['seq'], 2 ** 60)],
    ['a string incarnation', tamper(valid[0], ['from', 'incarnation'], '7')],
    ['an infinite incarnation', { ...valid[0], from: { ...from, incarnation: Infinity } }],
    ['an address without a port', tamper(valid[0], ['from', 'address'], '127.0.0.1')],
    ['a port out of range', tamper(valid[0], ['from', 'address'], '127.0.0.1:70000')],
    ['port zero', tamper(valid[0], ['from', 'address'], '127.0.0.1:0')],
    ['an address with a path', tamper(valid[0], ['from', 'address'], 'evil.com/x:80')],
    ['an overlong address', tamper(valid[0], ['from', 'address'], `${'a'.repeat(WIRE_LIMITS.addressLength)}:1`)],
    ['an empty node id', tamper(valid[0], ['from', 'nodeId'], '')],
    ['a node id with spaces', tamper(valid[0], ['target'], 'a b')],
    ['an overlong node id', tamper(valid[0], ['target'], 'a'.repeat(WIRE_LIMITS.nodeIdLength + 1))],
    ['an unknown member state', tamper(valid[1], ['updates', 0, 'state'], 'zombie')],
    ['an update with an extra field', tamper(valid[1], ['updates', 0, 'lastChange'], 1)],
    ['an update that is not an object', tamper(valid[1], ['updates', 0], 'alive')],
    ['updates that are not an array', tamper(valid[1], ['updates'], { 0: update })],
    ['too many updates', { ...valid[4], updates: new Array(WIRE_LIMITS.updates + 1).fill(update) }],
    ['a ping-req target without an address', tamper(valid[3], ['target', 'address'], '<delete>')],
    ['a push-pull without reply flag', tamper(valid[5], ['reply'], '<delete>')],
    ['a push-pull reply flag that is a string', tamper(valid[5], ['reply'], 'true')],
    ['a push-pull with updates instead of members', { type: 'push-pull', reply: true, from, updates: [] }],
  ];
  for (const [what, input] of hostile) {
    it(`rejects ${what}`, () => assert.equal(isSwimMessage(input), false));
  }

  it('never throws on arbitrary JSON, and accepts only objects with a known type', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        const ok = isSwimMessage(x);
        if (ok) assert.ok(['ping', 'ack', 'nack', 'ping-req', 'gossip', 'push-pull'].includes((x as { type: string }).type));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a valid message with any extra key, whatever its value', () => {
    const known = new Set(['type', 'seq', 'target', 'from', 'updates', 'reply', 'members']);
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !known.has(k) && k !== '__proto__'),
        fc.jsonValue(),
        (message, key, value) => {
          assert.equal(isSwimMessage({ ...message, [key]: value }), false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
