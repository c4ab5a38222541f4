import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../gossip.presets';
import { seededRandom } from '../../../test/helpers/in-memory-network';
import { Member, MemberUpdate } from './member';
import { SwimMembership } from './membership-state';
import { isSwimMessage, NodeRef, SwimMessage } from './messages';
import { INCARNATION_LEAD_S, REFUTATION_ROOM, incarnationCeiling } from './incarnation-bound';

const NOW = 1_800_000_000_000;
const START = Math.floor(NOW / 1000);
const ref = (id: string, incarnation = START): NodeRef => ({ nodeId: id, address: `${id}.test:3000`, incarnation });
const alive = (id: string, incarnation = START): Member => ({ ...ref(id, incarnation), state: 'alive', lastChange: 0 });
const dead = (id: string, incarnation: number): MemberUpdate => ({ nodeId: id, address: `${id}.test:3000`, state: 'dead', incarnation });

function node(id: string, peers: Member[]): SwimMembership {
  return new SwimMembership({ self: { nodeId: id, address: `${id}.test:3000`, incarnation: START }, config: GOSSIP_PRESETS.lan, now: NOW, random: seededRandom(7), known: peers });
}

/** What a message looks like after the wire: anything the wire check drops never arrives. */
function deliver(to: SwimMembership, message: SwimMessage, now: number): void {
  const wire = JSON.parse(JSON.stringify(message)) as unknown;
  if (isSwimMessage(wire)) to.receive(wire, now);
}

describe('incarnation bound', () => {
  it('puts the ceiling an hour ahead of the clock, with room above accusations for refutations', () => {
    assert.equal(incarnationCeiling('dead', NOW), START + INCARNATION_LEAD_S);
    assert.equal(incarnationCeiling('suspect', NOW), START + INCARNATION_LEAD_S);
    assert.equal(incarnationCeiling('left', NOW), START + INCARNATION_LEAD_S);
    assert.equal(incarnationCeiling('alive', NOW), START + INCARNATION_LEAD_S + REFUTATION_ROOM);
  });

  it('ignores an accusation at Number.MAX_SAFE_INTEGER, which the accused could never refute', () => {
    const sut = node('me', [alive('x'), alive('liar')]);
    sut.receive({ type: 'gossip', from: ref('liar'), updates: [dead('x', Number.MAX_SAFE_INTEGER)] }, NOW);
    assert.equal(sut.get('x')?.state, 'alive');
    assert.equal(sut.get('x')?.incarnation, START);
    assert.equal(sut.implausibleNews, 1);
  });

  it('believes the refutation of the highest accusation it believes: a refutation never overflows', () => {
    const a = node('a', [alive('x'), alive('liar')]);
    const x = node('x', [alive('a'), alive('liar')]);
    const accusation = dead('x', incarnationCeiling('dead', NOW));
    a.receive({ type: 'gossip', from: ref('liar'), updates: [accusation] }, NOW);
    x.receive({ type: 'gossip', from: ref('liar'), updates: [accusation] }, NOW);
    assert.equal(a.get('x')?.state, 'dead');
    const refuted = x.self().incarnation;
    assert.equal(refuted, accusation.incarnation + 1);
    deliver(a, { type: 'gossip', from: { nodeId: 'x', address: 'x.test:3000', incarnation: refuted }, updates: [] }, NOW + 1);
    assert.equal(a.get('x')?.state, 'alive');
    assert.equal(a.get('x')?.incarnation, refuted);
  });

  it('ignores every message from a sender that claims an incarnation past the ceiling', () => {
    const sut = node('me', [alive('x')]);
    const out = sut.receive({ type: 'ping', seq: 1, target: 'me', from: ref('liar', incarnationCeiling('alive', NOW) + 1), updates: [dead('x', START + 1)] }, NOW);
    assert.deepEqual(out.send, []);
    assert.equal(sut.get('liar'), undefined);
    assert.equal(sut.get('x')?.state, 'alive');
  });

  it('forgets stored incarnations past the ceiling, so the members they name can be heard again', () => {
    const sut = node('me', [{ ...alive('x', Number.MAX_SAFE_INTEGER), state: 'dead' }, alive('me', Number.MAX_SAFE_INTEGER - 1)]);
    assert.equal(sut.self().incarnation, START);
    sut.receive({ type: 'gossip', from: ref('x'), updates: [] }, NOW);
    assert.equal(sut.get('x')?.state, 'alive');
  });
});
