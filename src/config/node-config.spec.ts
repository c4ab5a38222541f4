import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveWriteQuorum, parseNodeConfig } from './node-config';
import { InvalidInputError } from '../common/errors';

describe('parseNodeConfig', () => {
  it('applies the seed defaults', () => {
    const sut = parseNodeConfig({});
    assert.deepEqual(sut.listen, { host: '', port: 3000 });
    assert.deepEqual(sut.http, { host: '', port: 13000 });
    assert.equal(sut.replicas, 3);
    assert.equal(sut.gossipProfile, 'lan');
    assert.equal(sut.tombstoneTtlMs, 7 * 86_400_000);
    assert.match(sut.dbPath, /p2p\.db$/);
  });

  it('reads the seed command line', () => {
    const sut = parseNodeConfig({ listen: ':5000', db: 'node_5000/p2p.db', bootstrap: 'localhost:4000' });
    assert.equal(sut.listen.port, 5000);
    assert.deepEqual(sut.bootstrap, ['localhost:4000']);
    assert.match(sut.dataDir, /node_5000$/);
  });

  it('takes port 0 for http when the p2p port is 0, and off', () => {
    assert.deepEqual(parseNodeConfig({ listen: '127.0.0.1:0' }).http, { host: '127.0.0.1', port: 0 });
    assert.equal(parseNodeConfig({ http: 'off' }).http, 'off');
  });

  it('lists every bad value in one error', () => {
    assert.throws(
      () => parseNodeConfig({ listen: 'nope', replicas: '0', gossipProfile: 'wan', tombstoneTtl: 'soon' }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        const msg = (err as Error).message;
        for (const flag of ['--listen', '--replicas', '--gossip-profile', '--tombstone-ttl']) assert.ok(msg.includes(flag), `${flag} in ${msg}`);
        assert.ok(!msg.includes('\n'));
        return true;
      },
    );
  });

  it('applies --gossip-override to the profile, durations for the ...Ms settings', () => {
    const sut = parseNodeConfig({ gossipProfile: 'local', gossipOverride: 'probeIntervalMs=1s, probeTimeoutMs=300, retransmitMult=5' });
    assert.equal(sut.gossip.probeIntervalMs, 1000);
    assert.equal(sut.gossip.probeTimeoutMs, 300);
    assert.equal(sut.gossip.retransmitMult, 5);
    assert.equal(sut.gossip.tickMs, 25, 'the rest is the local preset');
    assert.deepEqual(sut.gossipOverrides, { probeIntervalMs: 1000, probeTimeoutMs: 300, retransmitMult: 5 });
    assert.equal(parseNodeConfig({}).gossip.probeIntervalMs, 400, 'no override: the lan preset');
  });

  it('names every bad --gossip-override pair in one line', () => {
    assert.throws(
      () => parseNodeConfig({ gossipOverride: 'probeIntervalMs=soon,bogus=1,gossipNodes=2.5,retransmitMult' }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        const msg = (err as Error).message;
        for (const part of ['probeIntervalMs="soon" is not a duration', '"bogus" is not a gossip setting', 'retransmitMult="" is not a number']) {
          assert.ok(msg.includes(part), `${part} in ${msg}`);
        }
        assert.ok(!msg.includes('\n'));
        return true;
      },
    );
    assert.throws(() => parseNodeConfig({ gossipOverride: 'gossipNodes=2.5' }), /--gossip-override: gossipNodes=2.5 must be an integer/);
  });

  it('refuses a write quorum above the replicas', () => {
    assert.throws(() => parseNodeConfig({ replicas: '2', writeQuorum: '3' }), /exceeds --replicas/);
  });
});

describe('effectiveWriteQuorum', () => {
  it('is a majority of the placed holders unless set', () => {
    assert.equal(effectiveWriteQuorum({ writeQuorum: undefined }, 3), 2);
    assert.equal(effectiveWriteQuorum({ writeQuorum: undefined }, 1), 1);
    assert.equal(effectiveWriteQuorum({ writeQuorum: 3 }, 2), 2);
  });
});
