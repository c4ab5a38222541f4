import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveWriteQuorum, parseNodeConfig } from './node-config';
import { InvalidInputError } from '../common/errors';
import { InsecureBindError, PlaceholderSecretError } from './config.errors';

describe('parseNodeConfig', () => {
  it('applies the seed defaults', () => {
    const sut = parseNodeConfig({});
    assert.deepEqual(sut.listen, { host: '127.0.0.1', port: 3000 }, 'no secret: this machine only');
    assert.deepEqual(sut.http, { host: '127.0.0.1', port: 13000 });
    assert.equal(sut.apiTokenRequired, false);
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

describe('parseNodeConfig: safe defaults', () => {
  it('with a secret, no host means every interface, and the API wants a token', () => {
    const sut = parseNodeConfig({ clusterSecret: 's', s3Keys: 'AKID:secret' });
    assert.deepEqual(sut.listen, { host: '', port: 3000 });
    assert.deepEqual(sut.http, { host: '', port: 13000 });
    assert.deepEqual(sut.s3.listen, { host: '', port: 9000 });
    assert.equal(sut.apiTokenRequired, true);
  });

  it('without a secret, no host is 127.0.0.1 on every listener, and loopback hosts stay', () => {
    const sut = parseNodeConfig({ listen: ':4000', s3Keys: 'AKID:secret' });
    assert.deepEqual([sut.listen, sut.http, sut.s3.listen], [4000, 14000, 10000].map((port) => ({ host: '127.0.0.1', port })));
    assert.deepEqual(parseNodeConfig({ listen: '127.0.0.5:1', http: '[::1]:2' }).http, { host: '::1', port: 2 });
    assert.deepEqual(parseNodeConfig({ listen: 'localhost:1' }).listen, { host: 'localhost', port: 1 });
  });

  it('without a secret, refuses every listener other hosts reach, naming each, unless --insecure-open-cluster', () => {
    assert.throws(
      () => parseNodeConfig({ listen: '0.0.0.0:3000', http: '192.168.1.5:13000', s3: 'node1:9000', s3Keys: 'AKID:secret' }),
      (err: unknown) => {
        assert.ok(err instanceof InsecureBindError);
        assert.deepEqual(err.listeners, ['--listen 0.0.0.0:3000', '--http 192.168.1.5:13000', '--s3 node1:9000']);
        assert.equal(err.exitCode, 2);
        return true;
      },
    );
    assert.doesNotThrow(() => parseNodeConfig({ s3: '0.0.0.0:9000' }), 'an S3 endpoint with no key opens nothing');
    const sut = parseNodeConfig({ listen: '0.0.0.0:3000', insecureOpenCluster: 'true' });
    assert.deepEqual(sut.listen, { host: '0.0.0.0', port: 3000 });
    assert.equal(sut.apiTokenRequired, true, 'an API other hosts reach wants a token');
    assert.deepEqual(parseNodeConfig({ insecureOpenCluster: 'true' }).listen, { host: '', port: 3000 });
    assert.throws(() => parseNodeConfig({ listen: '0.0.0.0:3000', insecureOpenCluster: 'no' }), InsecureBindError);
    assert.throws(() => parseNodeConfig({ insecureOpenCluster: 'maybe' }), /--insecure-open-cluster "maybe" must be true or false/);
  });

  it('a set API token is always wanted; --metrics-require-token needs one', () => {
    assert.equal(parseNodeConfig({ apiToken: 't' }).apiTokenRequired, true);
    assert.equal(parseNodeConfig({ apiToken: 't', metricsRequireToken: 'true' }).metricsRequireToken, true);
    assert.throws(() => parseNodeConfig({ metricsRequireToken: 'true' }), /--metrics-require-token needs --api-token/);
  });

  it('refuses the example configurations\' placeholders, saying how to make a real secret', () => {
    for (const [raw, flags] of [
      [{ clusterSecret: 'change-me-cluster-secret' }, ['cluster-secret']],
      [{ clusterSecret: 'real,change-me-cluster-secret', apiToken: 'change-me-api-token' }, ['cluster-secret', 'api-token']],
      [{ clusterSecret: 'real', s3Keys: 'change-me-access-key:change-me-s3-secret' }, ['s3-keys']],
    ] as const) {
      assert.throws(
        () => parseNodeConfig(raw),
        (err: unknown) => {
          assert.ok(err instanceof PlaceholderSecretError);
          assert.deepEqual(err.flags, flags);
          assert.match(err.message, /openssl rand -hex 32/);
          return true;
        },
      );
    }
  });
});

describe('effectiveWriteQuorum', () => {
  it('is a majority of the placed holders unless set', () => {
    assert.equal(effectiveWriteQuorum({ writeQuorum: undefined }, 3), 2);
    assert.equal(effectiveWriteQuorum({ writeQuorum: undefined }, 1), 1);
    assert.equal(effectiveWriteQuorum({ writeQuorum: 3 }, 2), 2);
  });
});
