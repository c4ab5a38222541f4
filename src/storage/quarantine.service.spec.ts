import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeConfig } from '../config/node-config';
import type { FileRepository } from '../peer-repository/file.repository';
import type { NodeMetaRepository } from '../peer-repository/node-meta.repository';
import { NodeStatus } from '../node/node-status';
import { NodeQuarantinedError, QuarantineService } from './quarantine.service';

const TTL = 2000;

function build(lastSync: number | null, files: number) {
  const stored = new Map<string, string>();
  if (lastSync !== null) stored.set('last_sync_at', String(lastSync));
  const meta = { get: async (n: string) => stored.get(n) ?? null, set: async (n: string, value: string) => void stored.set(n, value) } as unknown as NodeMetaRepository;
  const repo = { count: async () => files } as unknown as FileRepository;
  const status = new NodeStatus();
  const sut = new QuarantineService({ tombstoneTtlMs: TTL } as NodeConfig, status, meta, repo);
  return { sut, status, stored };
}

describe(QuarantineService.name, () => {
  it('quarantines a running node whose last clean round is older than the ttl, before it serves', async () => {
    const { sut, status } = build(1000, 3);
    assert.equal(await sut.evaluateAtStart(1500), false);
    await sut.roundCompleted('peer', ['peer'], 2000);
    sut.checkStale(2000 + TTL);
    assert.equal(status.quarantined, false, 'exactly the ttl is not stale');
    sut.checkStale(2001 + TTL);
    assert.equal(status.quarantined, true);
    assert.throws(() => sut.assertServing(), NodeQuarantinedError);
  });

  it('counts the start of a node back from its last recorded sync, not from its start', async () => {
    const { sut, status } = build(1000, 3);
    assert.equal(await sut.evaluateAtStart(2500), false);
    sut.checkStale(1001 + TTL);
    assert.equal(status.quarantined, true);
  });

  it('releases after a clean round with every alive member', async () => {
    const { sut, status, stored } = build(0, 1);
    assert.equal(await sut.evaluateAtStart(10_000), true);
    await sut.roundCompleted('p1', ['p1', 'p2'], 10_100);
    assert.equal(status.quarantined, true);
    assert.deepEqual(sut.pending(['p1', 'p2']), ['p2']);
    await sut.roundCompleted('p2', ['p1', 'p2'], 10_200);
    assert.equal(status.quarantined, false);
    assert.equal(stored.get('last_sync_at'), '10200');
  });

  it('releases a node that is alone: nobody to reconcile with', async () => {
    const { sut, status } = build(0, 1);
    assert.equal(await sut.evaluateAtStart(10_000), true);
    await sut.alone(10_050);
    assert.equal(status.quarantined, false);
  });
});
