import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { MembershipChange, MembershipEventType } from '../gossip/membership.types';
import { RepairTrigger } from './repair-trigger';

const change = (type: MembershipEventType, nodeId: string): MembershipChange => ({
  type,
  member: { nodeId, address: `${nodeId}.test:3000`, status: type === 'suspect' || type === 'dead' || type === 'left' ? type : 'alive', incarnation: 1, lastSeen: 0 },
});

/** Lets the trigger's "does this node hold data?" promise settle. */
const settle = () => new Promise((r) => setImmediate(r));

function build(holds = true) {
  const rounds: Array<string | undefined> = [];
  const sut = new RepairTrigger(60_000, async () => holds, (peer) => rounds.push(peer));
  return { sut, rounds };
}

describe('RepairTrigger', () => {
  // The grace timers run only when a test moves time on (mock.timers.tick).
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('starts a round with a member that joins or comes back, and a round when one leaves', async () => {
    const { sut, rounds } = build();
    sut.onChange(change('joined', 'a'));
    sut.onChange(change('recovered', 'b'));
    sut.onChange(change('left', 'c'));
    await settle();
    assert.deepEqual(rounds, ['a', 'b', undefined]);
  });

  it('starts a round for a dead member only once --repair-grace has passed, and not if it came back', async () => {
    const { sut, rounds } = build();
    sut.onChange(change('dead', 'd'));
    sut.onChange(change('dead', 'e'));
    mock.timers.tick(59_000);
    await settle();
    assert.deepEqual(rounds, []);
    sut.onChange(change('recovered', 'e'));
    await settle();
    assert.deepEqual(rounds, ['e'], 'the comeback is a round with it');
    mock.timers.tick(2_000);
    await settle();
    assert.deepEqual(rounds, ['e', undefined], 'only d is repaired around');
  });

  it('ignores changes that do not move data, and every change while this node holds nothing', async () => {
    const busy = build();
    for (const type of ['alive', 'suspect', 'updated'] as const) busy.sut.onChange(change(type, 'a'));
    await settle();
    assert.deepEqual(busy.rounds, []);
    const empty = build(false);
    for (const type of ['joined', 'left', 'recovered', 'dead'] as const) empty.sut.onChange(change(type, 'a'));
    mock.timers.tick(120_000);
    await settle();
    assert.deepEqual(empty.rounds, []);
  });

  it('stop() drops the rounds waiting for a grace', async () => {
    const { sut, rounds } = build();
    sut.onChange(change('dead', 'd'));
    sut.stop();
    mock.timers.tick(120_000);
    await settle();
    assert.deepEqual(rounds, []);
  });
});
