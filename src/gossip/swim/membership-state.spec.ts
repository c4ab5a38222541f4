import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS, SwimConfig } from '../gossip.presets';
import { seededRandom } from '../../../test/helpers/in-memory-network';
import { Member, MemberUpdate } from './member';
import { SwimMembership } from './membership-state';
import { NodeRef, SwimMessage } from './messages';
import { SwimOutput } from './output';
import { suspicionBounds } from './suspicion';
import { InvalidSwimConfigError } from './swim.errors';
import { encodeBody } from '../../transport/codec/body';

const config: SwimConfig = GOSSIP_PRESETS.lan;
const T0 = 1_000_000;

const ref = (id: string, incarnation = 0): NodeRef => ({ nodeId: id, address: `${id}.test:3000`, incarnation });
const alive = (id: string, incarnation = 0): Member => ({ ...ref(id, incarnation), state: 'alive', lastChange: 0 });
const upd = (id: string, state: MemberUpdate['state'], incarnation = 0, from?: string): MemberUpdate =>
  from ? { nodeId: id, address: `${id}.test:3000`, state, incarnation, from } : { nodeId: id, address: `${id}.test:3000`, state, incarnation };

/** Node "me" knowing `peers`, all alive at incarnation 0. */
function build(peers: string[], overrides: Partial<SwimConfig> = {}, seed = 1): SwimMembership {
  return new SwimMembership({
    self: { nodeId: 'me', address: 'me.test:3000', incarnation: 0 },
    config: { ...config, ...overrides },
    now: T0,
    random: seededRandom(seed),
    known: peers.map((p) => alive(p)),
  });
}

const sent = (out: SwimOutput, type: SwimMessage['type']) => out.send.filter((s) => s.message.type === type);
const gossip = (from: string, updates: MemberUpdate[], incarnation = 0): SwimMessage => ({ type: 'gossip', from: ref(from, incarnation), updates });
const updatesIn = (out: SwimOutput): MemberUpdate[] =>
  out.send.flatMap((s) => (s.message.type === 'push-pull' ? s.message.members : s.message.updates));

/** Ticks every tickMs from `from` to `to`, collecting all output. */
function run(sut: SwimMembership, from: number, to: number): SwimOutput {
  const all: SwimOutput = { send: [], events: [] };
  for (let t = from; t <= to; t += config.tickMs) {
    const out = sut.tick(t);
    all.send.push(...out.send);
    all.events.push(...out.events);
  }
  return all;
}

/** Like run, but every ping is acked at once (an ack is not a refutation: suspicions stay). */
function runAcking(sut: SwimMembership, from: number, to: number): SwimOutput {
  const all: SwimOutput = { send: [], events: [] };
  for (let t = from; t <= to; t += config.tickMs) {
    const out = sut.tick(t);
    all.events.push(...out.events);
    for (const s of out.send) {
      all.send.push(s);
      if (s.message.type === 'ping') all.events.push(...sut.receive({ type: 'ack', seq: s.message.seq, from: ref(s.toNodeId!), updates: [] }, t + 1).events);
    }
  }
  return all;
}

/** Ticks until the first direct probe goes out; returns it and the time. */
function firstPing(sut: SwimMembership): { at: number; ping: Extract<SwimMessage, { type: 'ping' }>; to: string } {
  for (let t = T0; t < T0 + 10 * config.probeIntervalMs; t += config.tickMs) {
    const ping = sent(sut.tick(t), 'ping')[0];
    if (ping && ping.message.type === 'ping') return { at: t, ping: ping.message, to: ping.toNodeId! };
  }
  throw new assert.AssertionError({ message: 'no probe was sent' });
}

describe(SwimMembership.name, () => {
  it('rejects an unusable configuration, naming every bad value', () => {
    assert.throws(
      () => new SwimMembership({ self: { nodeId: 'me', address: 'me.test:1' }, config: { ...config, probeTimeoutMs: 500, gossipNodes: 0 }, now: 0 }),
      (e: unknown) => e instanceof InvalidSwimConfigError && /probeTimeoutMs=500/.test(e.message) && /gossipNodes=0/.test(e.message),
    );
  });

  describe('joining', () => {
    it('pushes its member list to every seed but itself and takes in what comes back', () => {
      const sut = build([]);
      const out = sut.join(['seed.test:3000', 'me.test:3000'], T0);
      assert.deepEqual(out.send.map((s) => [s.to, s.message.type]), [['seed.test:3000', 'push-pull']]);
      const reply = sut.receive({ type: 'push-pull', reply: true, from: ref('seed'), members: [upd('seed', 'alive'), upd('b', 'alive', 3), upd('gone', 'left', 1)] }, T0 + 5);
      assert.deepEqual(reply.events.map((e) => [e.type, e.member.nodeId]), [['joined', 'seed'], ['joined', 'b']]);
      assert.equal(sut.get('b')?.incarnation, 3);
      assert.equal(sut.get('gone'), undefined, 'hearsay about a stranger leaving is not a member');
    });

    it('answers a push-pull with its own list, itself first', () => {
      const sut = build(['a']);
      const out = sut.receive({ type: 'push-pull', reply: false, from: ref('new'), members: [upd('new', 'alive')] }, T0);
      const reply = sent(out, 'push-pull')[0];
      assert.equal(reply.to, 'new.test:3000');
      assert.ok(reply.message.type === 'push-pull' && reply.message.reply);
      assert.deepEqual(reply.message.type === 'push-pull' && reply.message.members.map((m) => m.nodeId), ['me', 'a', 'new']);
    });

    it('gossips a member that joined through it at once, not at its next gossip tick', () => {
      const sut = build(['a', 'b', 'c']);
      sut.tick(T0);
      const out = sut.receive({ type: 'push-pull', reply: false, from: ref('new'), members: [upd('new', 'alive')] }, T0 + 1);
      const told = sent(out, 'gossip').filter((s) => s.message.type === 'gossip' && s.message.updates.some((u) => u.nodeId === 'new'));
      const others = told.map((s) => s.toNodeId).filter((id) => id !== 'new');
      assert.ok(others.length >= 2 && others.every((id) => ['a', 'b', 'c'].includes(id!)), `the news went to ${others.join(', ') || 'nobody'}`);
      const heardFromAMember = sut.receive(gossip('a', [upd('d', 'alive')]), T0 + 2);
      assert.deepEqual(sent(heardFromAMember, 'gossip'), [], 'news from a third party waits for the gossip tick');
    });

    it('sends a member list of any length in push-pulls that each fit a message, and the receiver learns every member', () => {
      // 20,000 members ever seen, with real-sized ids and addresses: one list would be about 2 MiB of JSON.
      const id = (i: number) => i.toString(16).padStart(32, '0');
      const known: Member[] = Array.from({ length: 20_000 }, (_, i) => ({ nodeId: id(i), address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:3000`, state: 'alive', incarnation: 7, lastChange: 0 }));
      const big = new SwimMembership({ self: { nodeId: 'big', address: 'big.test:3000', incarnation: 0 }, config, now: T0, random: seededRandom(1), known });
      const other = build([]);
      const answer = sent(big.receive({ type: 'push-pull', reply: false, from: ref('other'), members: [upd('other', 'alive')] }, T0), 'push-pull');
      assert.ok(answer.length > 1, 'the list went in one message');
      for (const s of answer) {
        assert.equal(s.to, 'other.test:3000');
        assert.ok(s.message.type === 'push-pull' && s.message.reply, 'a part of an answer asked for an answer');
        assert.doesNotThrow(() => encodeBody(s.message), 'a push-pull part does not fit a message');
        other.receive(JSON.parse(JSON.stringify(s.message)) as SwimMessage, T0 + 1);
      }
      assert.equal(other.members().length, big.members().length + 1, 'every member of the sender, and the sender');
      // Asking for a list: only the first part asks for an answer (one answer per exchange).
      const ask = sent(big.join(['seed.test:3000'], T0 + 2), 'push-pull');
      assert.ok(ask.length > 1 && ask.every((s) => encodeBody(s.message).length < 1024 * 1024));
      assert.deepEqual(ask.map((s) => s.message.type === 'push-pull' && s.message.reply), [false, ...new Array(ask.length - 1).fill(true)]);
    });

    it('keeps retrying its seeds until one answers', () => {
      const sut = build([]);
      sut.join(['seed.test:3000'], T0);
      const retries = sent(run(sut, T0 + config.tickMs, T0 + 3 * config.probeIntervalMs), 'push-pull');
      assert.ok(retries.length >= 2, `only ${retries.length} retries while alone`);
      sut.receive({ type: 'push-pull', reply: true, from: { ...ref('seed'), address: 'seed.test:3000' }, members: [upd('seed', 'alive'), upd('x', 'alive')] }, T0 + 2000);
      const later = sent(run(sut, T0 + 2050, T0 + 2050 + 2 * config.pushPullIntervalMs), 'push-pull');
      assert.ok(later.every((s) => s.to !== 'seed.test:3000' || s.toNodeId === 'seed'), 'the seed was still treated as unanswered');
    });
  });

  describe('probing', () => {
    it('answers a ping meant for it with an ack of the same sequence number, and ignores one meant for someone else', () => {
      const sut = build(['a']);
      const out = sut.receive({ type: 'ping', seq: 42, target: 'me', from: ref('a'), updates: [] }, T0);
      assert.deepEqual(sent(out, 'ack').map((s) => [s.to, s.message.type === 'ack' && s.message.seq]), [['a.test:3000', 42]]);
      assert.deepEqual(sent(sut.receive({ type: 'ping', seq: 43, target: 'old-owner', from: ref('a'), updates: [] }, T0), 'ack'), []);
    });

    it('goes indirect after the probe timeout and suspects the target at the end of the interval', () => {
      const sut = build(['a', 'b', 'c', 'd', 'e']);
      const { at, ping, to } = firstPing(sut);
      const beforeTimeout = run(sut, at + config.tickMs, at + config.probeTimeoutMs - 1);
      assert.deepEqual(sent(beforeTimeout, 'ping-req'), []);
      const indirect = run(sut, at + config.probeTimeoutMs, at + config.probeTimeoutMs);
      const reqs = sent(indirect, 'ping-req');
      assert.equal(reqs.length, config.indirectChecks);
      assert.ok(reqs.every((r) => r.message.type === 'ping-req' && r.message.seq === ping.seq && r.message.target.nodeId === to && r.toNodeId !== to));
      assert.equal(sent(indirect, 'ping').filter((p) => p.toNodeId === to).length, 1, 'one more direct ping goes with them');
      const end = run(sut, at + config.probeTimeoutMs + config.tickMs, at + config.probeIntervalMs);
      assert.deepEqual(end.events.map((e) => [e.type, e.member.nodeId]), [['suspect', to]]);
      assert.equal(sut.get(to)?.state, 'suspect');
      // The suspicion is gossiped with us as the suspector (in the tick that raised it, or soon after).
      const later = run(sut, at + config.probeIntervalMs + config.tickMs, at + config.probeIntervalMs + 3 * config.gossipIntervalMs);
      assert.ok([...updatesIn(end), ...updatesIn(later)].some((u) => u.nodeId === to && u.state === 'suspect' && u.from === 'me'));
    });

    it('does not suspect a member whose ack arrives in time, directly or relayed', () => {
      const sut = build(['a', 'b', 'c', 'd']);
      const { at, ping } = firstPing(sut);
      sut.receive({ type: 'ack', seq: ping.seq, from: ref('c'), updates: [] }, at + config.probeTimeoutMs + 10);
      const out = run(sut, at + config.tickMs, at + 2 * config.probeIntervalMs - config.tickMs);
      assert.deepEqual(out.events.filter((e) => e.type === 'suspect'), []);
    });

    it('treats an undeliverable ping as a missed ack at once', () => {
      const sut = build(['a', 'b', 'c', 'd']);
      const { at, ping, to } = firstPing(sut);
      const out = sut.sendFailed(`${to}.test:3000`, ping, at + 1);
      assert.equal(sent(out, 'ping-req').length, config.indirectChecks);
    });

    it('fails the probe early when the target refuses connections and every intermediary nacks', () => {
      const sut = build(['a', 'b', 'c', 'd']);
      const { at, ping, to } = firstPing(sut);
      const reqs = sent(sut.sendFailed(`${to}.test:3000`, ping, at + 1), 'ping-req');
      for (const r of reqs) sut.receive({ type: 'nack', seq: ping.seq, from: ref(r.toNodeId!), updates: [] }, at + 5);
      const out = sut.tick(at + config.tickMs);
      assert.deepEqual(out.events.map((e) => [e.type, e.member.nodeId]), [['suspect', to]]);
    });

    it('relays a ping-req: forwards the ack with the original sequence number, or nacks', () => {
      const sut = build(['a', 'b']);
      const out = sut.receive({ type: 'ping-req', seq: 9, target: { nodeId: 'b', address: 'b.test:3000' }, from: ref('a'), updates: [] }, T0);
      const relayed = sent(out, 'ping')[0];
      assert.equal(relayed.toNodeId, 'b');
      assert.ok(relayed.message.type === 'ping');
      const acked = sut.receive({ type: 'ack', seq: relayed.message.seq, from: ref('b'), updates: [] }, T0 + 5);
      assert.deepEqual(sent(acked, 'ack').map((s) => [s.toNodeId, s.message.type === 'ack' && s.message.seq]), [['a', 9]]);

      sut.receive({ type: 'ping-req', seq: 10, target: { nodeId: 'b', address: 'b.test:3000' }, from: ref('a'), updates: [] }, T0 + 100);
      const silent = run(sut, T0 + 100, T0 + 100 + config.probeTimeoutMs);
      assert.deepEqual(sent(silent, 'nack').map((s) => [s.toNodeId, s.message.type === 'nack' && s.message.seq]), [['a', 10]]);
    });
  });

  describe('suspicion', () => {
    it('declares a suspect dead after the maximum timeout without confirmations, sooner with them', () => {
      const bounds = suspicionBounds(config, 5);
      const lone = build(['a', 'b', 'c', 'x']);
      lone.receive(gossip('a', [upd('x', 'suspect', 0, 'a')]), T0);
      assert.equal(lone.get('x')?.state, 'suspect');
      // Our own probes succeed here, so they add no confirmation of our own.
      assert.deepEqual(runAcking(lone, T0, T0 + bounds.maxMs - config.tickMs).events.filter((e) => e.type === 'dead'), []);
      assert.deepEqual(runAcking(lone, T0 + bounds.maxMs, T0 + bounds.maxMs).events.map((e) => [e.type, e.member.nodeId]), [['dead', 'x']]);

      const confirmed = build(['a', 'b', 'c', 'x']);
      confirmed.receive(gossip('a', [upd('x', 'suspect', 0, 'a')]), T0);
      confirmed.receive(gossip('b', [upd('x', 'suspect', 0, 'b')]), T0 + 10);
      confirmed.receive(gossip('c', [upd('x', 'suspect', 0, 'c')]), T0 + 20);
      confirmed.receive(gossip('b', [upd('x', 'suspect', 0, 'me')]), T0 + 30);
      const dead = runAcking(confirmed, T0, T0 + bounds.minMs).events.filter((e) => e.type === 'dead');
      assert.equal(dead.length, 1, 'three confirmations bring the timeout down to the minimum');
    });

    it('refutes a suspicion of itself with a higher incarnation, and counts it against its own health', () => {
      const sut = build(['a', 'b']);
      sut.receive(gossip('a', [upd('me', 'suspect', 0, 'a')]), T0);
      assert.equal(sut.self().incarnation, 1);
      assert.equal(sut.self().state, 'alive');
      assert.equal(sut.healthScore(), 1);
      const out = run(sut, T0, T0 + 2 * config.gossipIntervalMs);
      assert.ok(updatesIn(out).some((u) => u.nodeId === 'me' && u.state === 'alive' && u.incarnation === 1));
      // An old accusation does not make it refute again.
      sut.receive(gossip('b', [upd('me', 'dead', 0, 'b')]), T0 + 200);
      assert.equal(sut.self().incarnation, 1);
    });

    it('clears a suspicion when the member refutes, and brings a dead member back as recovered', () => {
      const sut = build(['a', 'x']);
      sut.receive(gossip('a', [upd('x', 'suspect', 0, 'a')]), T0);
      const refuted = sut.receive(gossip('a', [upd('x', 'alive', 1)]), T0 + 10);
      assert.deepEqual(refuted.events.map((e) => e.type), ['alive']);
      const bounds = suspicionBounds(config, 3);
      assert.deepEqual(runAcking(sut, T0, T0 + bounds.maxMs + 100).events.filter((e) => e.type === 'dead'), []);

      sut.receive(gossip('a', [upd('x', 'suspect', 1, 'a')]), T0 + 20_000);
      run(sut, T0 + 20_000, T0 + 20_000 + bounds.maxMs + 100);
      assert.equal(sut.get('x')?.state, 'dead');
      const back = sut.receive(gossip('x', [], 2), T0 + 40_000);
      assert.deepEqual(back.events.map((e) => [e.type, e.member.incarnation]), [['recovered', 2]]);
    });

    it('takes a death it never heard suspected as a suspicion, not a verdict', () => {
      const sut = build(['a', 'x']);
      const out = sut.receive(gossip('a', [upd('x', 'dead', 0, 'a')]), T0);
      assert.deepEqual(out.events.map((e) => e.type), ['suspect']);
      // Once it has suspected long enough for a refutation to arrive, hearsay is believed.
      const later = sut.receive(gossip('a', [upd('x', 'dead', 0, 'a')]), T0 + suspicionBounds(config, 3).minMs);
      assert.deepEqual(later.events.map((e) => e.type), ['dead']);
    });

    it('suspects quietly when a pushed list accuses a member it holds alive, and tells the accused', () => {
      const sut = build(['a', 'x']);
      const out = sut.receive({ type: 'push-pull', reply: true, from: ref('a'), members: [upd('a', 'alive'), upd('x', 'dead')] }, T0);
      assert.deepEqual(out.events.map((e) => e.type), ['suspect']);
      const told = out.send.filter((s) => s.toNodeId === 'x');
      assert.equal(told.length, 1);
      assert.ok(updatesIn({ send: told, events: [] }).some((u) => u.nodeId === 'x' && u.state === 'suspect'));
      assert.equal(sut.pendingBroadcasts(), 0, 'the accusation is not gossiped');
    });
  });

  describe('leaving', () => {
    it('announces left at a higher incarnation, stops probing, and stays left', () => {
      const sut = build(['a', 'b', 'c']);
      const out = sut.leave(T0);
      assert.equal(sut.self().state, 'left');
      assert.equal(sut.self().incarnation, 1);
      assert.ok(out.send.length > 0);
      assert.ok(updatesIn(out).every((u) => u.nodeId === 'me' && u.state === 'left'));
      assert.deepEqual(sent(run(sut, T0, T0 + 5 * config.probeIntervalMs), 'ping'), []);
      sut.receive(gossip('a', [upd('me', 'suspect', 1, 'a')]), T0 + 3000);
      assert.equal(sut.self().state, 'left');
    });

    it('never lets a left member be suspected or declared dead at that incarnation', () => {
      const sut = build(['a', 'x']);
      sut.receive(gossip('x', [upd('x', 'left', 1)], 1), T0);
      assert.equal(sut.get('x')?.state, 'left');
      const out = sut.receive(gossip('a', [upd('x', 'suspect', 1, 'a'), upd('x', 'dead', 1, 'a')]), T0 + 10);
      assert.deepEqual(out.events, []);
      assert.equal(sut.get('x')?.state, 'left');
    });
  });

  describe('identity', () => {
    it('updates the address of a member that comes back under the same node id', () => {
      const sut = build(['x']);
      const out = sut.receive({ type: 'gossip', from: { nodeId: 'x', address: '10.0.0.9:4000', incarnation: 1 }, updates: [] }, T0);
      assert.deepEqual(out.events.map((e) => [e.type, e.member.address]), [['updated', '10.0.0.9:4000']]);
    });

    it('restores stored members as alive (to be probed again) and outranks a stored record of itself', () => {
      const sut = new SwimMembership({
        self: { nodeId: 'me', address: 'me.test:3000', incarnation: 0 },
        config,
        now: T0,
        known: [{ ...alive('s'), state: 'suspect' }, { ...alive('d'), state: 'dead' }, { ...alive('me', 4), state: 'dead' }],
      });
      assert.equal(sut.get('s')?.state, 'alive');
      assert.equal(sut.get('d')?.state, 'dead');
      assert.equal(sut.self().incarnation, 5);
      assert.deepEqual(sut.members().map((m) => m.nodeId).sort(), ['d', 's']);
    });
  });

  describe('local health (Lifeguard)', () => {
    it('rises when intermediaries stay silent and falls again on successful probes', () => {
      const sut = build(['a', 'b', 'c', 'd', 'e']);
      const { at } = firstPing(sut);
      run(sut, at + config.tickMs, at + config.probeIntervalMs);
      assert.equal(sut.healthScore(), config.indirectChecks, 'one point per missing nack');
      for (let t = at + config.probeIntervalMs; sut.healthScore() > 0 && t < at + 60_000; t += config.tickMs) {
        for (const s of sent(sut.tick(t), 'ping')) {
          if (s.message.type === 'ping') sut.receive({ type: 'ack', seq: s.message.seq, from: ref(s.toNodeId!), updates: [] }, t + 1);
        }
      }
      assert.equal(sut.healthScore(), 0);
    });

    it('accuses nobody while its own event loop lags, however its probes fare', () => {
      const sut = build(['a', 'b', 'c', 'd']);
      const { at } = firstPing(sut);
      sut.reportLocalLag(config.lagThresholdMs * 2, at + 1);
      assert.ok(sut.healthScore() >= 2);
      const out = run(sut, at + config.tickMs, at + 2 * config.probeIntervalMs);
      assert.deepEqual(out.events.filter((e) => e.type === 'suspect'), []);
    });

    it('does not hold a probe against its target when its own tick came late', () => {
      const sut = build(['a', 'b', 'c', 'd']);
      const { at } = firstPing(sut);
      // The process was stopped for two seconds: the ack may be waiting unread.
      const late = sut.tick(at + 2000);
      assert.deepEqual(late.events, []);
      assert.ok(sut.healthScore() > 0);
    });
  });
});
