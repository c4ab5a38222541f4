/**
 * SWIM at 1,000 members in one process: the `lan` preset on a simulated network that loses 5%
 * of messages and delays each by 1-20 ms. Every run is deterministic (seeded), so a failure
 * here reproduces exactly.
 *
 * One cluster goes through join, crash, leave and pause in order (each step on members the
 * earlier steps left alone); a second cluster is split in two and healed. A log of every
 * death any member declares proves that no healthy member was ever declared dead.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS } from '../../src/gossip/gossip.presets';
import { suspicionBounds } from '../../src/gossip/swim/suspicion';
import { InMemoryNetwork } from '../helpers/in-memory-network';
import { DeathLog, countSeeing, everyoneSees, oneHealthyView } from './swim-scenarios';

const N = 1000;
const config = GOSSIP_PRESETS.lan;
const network = { config, lossRate: 0.05, minDelayMs: 1, maxDelayMs: 20 };
const bounds = suspicionBounds(config, N);
/**
 * Detection: some member probes a crashed one within a few probe intervals (each interval every
 * member probes someone, so the chance that nobody picked it falls as e^-k); allow 10.
 */
const DETECTION_MS = 10 * config.probeIntervalMs;
/** Dissemination of the verdict: well within 20 gossip rounds at this size. */
const DISSEMINATION_MS = 20 * config.gossipIntervalMs;

describe('SWIM simulation, 1,000 members, 5% loss', () => {
  let net: InMemoryNetwork;
  let deaths: DeathLog;
  const crashed = new Set<number>();

  before(() => {
    net = InMemoryNetwork.cluster(N, { ...network, seed: 20_240_601 });
    deaths = new DeathLog(net);
    net.runFor(3_000);
  });

  after(() => {
    // The whole run, every step included: only the crashed member was ever declared dead.
    const wrong = deaths.falsePositives((id) => !crashed.has(net.nodeIds.indexOf(id)));
    assert.deepEqual(wrong, [], 'healthy members were declared dead');
  });

  it('spreads a new member to everyone within 2*log2(N) gossip rounds', () => {
    const newcomer = net.addNode();
    net.join(newcomer, [0]);
    const rounds = 2 * Math.log2(N);
    const took = net.runUntil(() => everyoneSees(net, newcomer, ['alive']), rounds * config.gossipIntervalMs, config.gossipIntervalMs / 2);
    assert.ok(took !== undefined, `not everyone knew the newcomer after ${rounds.toFixed(1)} rounds`);
    // And the newcomer learned everyone from its seed's member list.
    assert.equal(net.nodes[newcomer].members().filter((m) => m.state === 'alive').length, N);
  });

  it('has every survivor declare a crashed member dead within detection + the suspicion bound', () => {
    const victim = 17;
    crashed.add(victim);
    net.crash(victim);
    const limit = DETECTION_MS + bounds.maxMs + DISSEMINATION_MS;
    const took = net.runUntil(() => everyoneSees(net, victim, ['dead']), limit, 50);
    assert.ok(took !== undefined, `after ${limit} ms only ${countSeeing(net, victim, ['dead'])} of ${N} saw it dead`);
    // With independent confirmations the timeout shrinks toward its minimum (Lifeguard).
    assert.ok(took < DETECTION_MS + bounds.minMs + DISSEMINATION_MS, `took ${took} ms, confirmations did not shorten the suspicion`);
  });

  it('reports a member that leaves as left, never dead', () => {
    const leaver = 42;
    net.leave(leaver);
    const took = net.runUntil(() => everyoneSees(net, leaver, ['left']), DISSEMINATION_MS * 2, 50);
    assert.ok(took !== undefined, `only ${countSeeing(net, leaver, ['left'])} saw it leave`);
    // It then goes quiet; nobody may turn that silence into a death.
    net.crash(leaver);
    net.runFor(bounds.maxMs + DETECTION_MS);
    assert.ok(everyoneSees(net, leaver, ['left']));
    assert.deepEqual(deaths.about(net.nodeIds[leaver]), []);
  });

  it('lets a paused member resumed before its suspicion timeout refute and stay alive', () => {
    const sleeper = 77;
    const incarnation = net.nodes[sleeper].self().incarnation;
    net.pause(sleeper);
    // Long enough to be suspected by many, shorter than the minimum suspicion timeout.
    net.runFor(bounds.minMs - 1_500);
    const suspectedBy = countSeeing(net, sleeper, ['suspect']);
    assert.ok(suspectedBy > 0, 'nobody noticed the pause');
    net.resume(sleeper);
    const took = net.runUntil(() => everyoneSees(net, sleeper, ['alive']), bounds.maxMs, 50);
    assert.ok(took !== undefined, `only ${countSeeing(net, sleeper, ['alive'])} saw it alive again`);
    assert.ok(net.nodes[sleeper].self().incarnation > incarnation, 'it did not refute');
    net.runFor(bounds.maxMs);
    assert.deepEqual(deaths.about(net.nodeIds[sleeper]), []);
    assert.ok(everyoneSees(net, sleeper, ['alive']));
  });

  it('never kills a member whose event loop keeps stalling, and lets it accuse nobody', () => {
    const busy = 99;
    const busyId = net.nodeIds[busy];
    const accusations: string[] = [];
    net.onSend((src, message) => {
      if (src !== busy) return;
      const news = message.type === 'push-pull' ? message.members : message.updates;
      for (const u of news) if (u.from === busyId && u.nodeId !== busyId) accusations.push(`${u.state} ${u.nodeId}`);
    });
    // Blocked 300 ms out of every 400 ms for 20 s: acks to its probes sit unread, as under load.
    for (let t = 0; t < 20_000; t += 400) {
      net.pause(busy);
      net.runFor(300);
      net.resume(busy);
      net.runFor(100);
    }
    assert.deepEqual(accusations, []);
    assert.deepEqual(deaths.about(busyId), []);
    assert.ok(net.nodes[busy].healthScore() > 0, 'it did not notice its own lag');
  });
});

describe('SWIM simulation, 1,000 members, partition and heal', () => {
  it('heals into one view once the partition is removed, with no member killed by its own side', () => {
    const net = InMemoryNetwork.cluster(N, { ...network, seed: 77_031 });
    const deaths = new DeathLog(net);
    net.runFor(3_000);
    const everyone = [...Array(N).keys()];
    const side = (i: number) => i % 2;
    net.partition([everyone.filter((i) => side(i) === 0), everyone.filter((i) => side(i) === 1)]);
    net.runFor(15_000);
    // Each side has written off most of the other.
    for (const observer of [0, 1]) {
      const dead = net.nodes[observer].members().filter((m) => m.state === 'dead').length;
      assert.ok(dead > N / 4, `node ${observer} saw only ${dead} of the other side dead`);
    }
    net.heal();
    const took = net.runUntil(() => oneHealthyView(net, everyone), 120_000, 1_000);
    assert.ok(took !== undefined, 'the two sides never merged back into one view');
    const ownSide = deaths.deaths.filter((d) => side(d.observer) === side(net.nodeIds.indexOf(d.nodeId)));
    assert.deepEqual(ownSide, [], 'members were declared dead by their own side');
  });
});

describe('SWIM simulation, 50 members over the wire format', () => {
  it('sends only messages that pass isSwimMessage after a JSON round trip', () => {
    const net = new InMemoryNetwork({ ...network, seed: 5, validateMessages: true });
    for (let i = 0; i < 50; i++) {
      net.addNode();
      if (i > 0) net.join(i, [i - 1]);
    }
    const everyone = [...Array(50).keys()];
    assert.ok(net.runUntil(() => everyone.every((i) => everyoneSees(net, i, ['alive'])), 10_000) !== undefined, 'the chain never converged');
    net.crash(3);
    net.leave(4);
    net.runFor(20_000);
    assert.equal(countSeeing(net, 3, ['dead']), 48);
    assert.equal(countSeeing(net, 4, ['left']), 48);
    assert.ok(net.stats.delivered > 10_000);
    assert.equal(net.stats.invalid, 0);
  });
});
