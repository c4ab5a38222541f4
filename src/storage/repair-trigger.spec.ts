import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MembershipChange, MembershipEventType } from '../gossip/membership.types';
import { RepairTrigger, RepairTriggerTimers } from './repair-trigger';

/** Timers that run only when the test says time has passed. */
class HandTimers implements RepairTriggerTimers {
  private now = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at <= this.now) {
        this.pending.delete(id);
        t.fn();
      }
    }
  }
}

const change = (type: MembershipEventType, nodeId: string): MembershipChange => ({
  type,
  member: { nodeId, address: `${nodeId}.test:3000`, status: type === 'suspect' || type === 'dead' || type === 'left' ? type : 'alive', incarnation: 1, lastSeen: 0 },
});

/** Lets the trigger's "does this node hold data?" promise settle. */
const settle = () => new Promise((r) => setImmediate(r));

function build(holds = true) {
  const timers = new HandTimers();
  const rounds: Array<string | undefined> = [];
  const sut = new RepairTrigger(60_000, async () => holds, (peer) => rounds.push(peer), timers);
  return { sut, timers, rounds };
}

describe('RepairTrigger', () => {
  it('starts a round with a member that joins or comes back, and a round when one leaves', async () => {
    const { sut, rounds } = build();
    sut.onChange(change('joined', 'a'));
    sut.onChange(change('recovered', 'b'));
    sut.onChange(change('left', 'c'));
    await settle();
    assert.deepEqual(rounds, ['a', 'b', undefined]);
  });

  it('starts a round for a dead member only once --repair-grace has passed, and not if it came back', async () => {
    const { sut, timers, rounds } = build();
    sut.onChange(change('dead', 'd'));
    sut.onChange(change('dead', 'e'));
    timers.advance(59_000);
    await settle();
    assert.deepEqual(rounds, []);
    sut.onChange(change('recovered', 'e'));
    await settle();
    assert.deepEqual(rounds, ['e'], 'the comeback is a round with it');
    timers.advance(2_000);
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
    empty.timers.advance(120_000);
    await settle();
    assert.deepEqual(empty.rounds, []);
  });

  it('stop() drops the rounds waiting for a grace', async () => {
    const { sut, timers, rounds } = build();
    sut.onChange(change('dead', 'd'));
    sut.stop();
    timers.advance(120_000);
    await settle();
    assert.deepEqual(rounds, []);
  });
});
