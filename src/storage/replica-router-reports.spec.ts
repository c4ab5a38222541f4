import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicaRouter } from './replica-router';
import { StoragePatterns } from './storage.types';
import { RemoteError } from '../transport/transport.errors';
import { formatVersion } from './version';

const OLD = formatVersion({ ms: 1_000_000, counter: 0, nodeId: 'aaaaaaaa' });

/** A router whose one peer is an older node: it knows storage.manifest.get, not the batched pattern. */
function routerToOlderPeer() {
  const asked: string[] = [];
  const pool = {
    request: async (_address: string, pattern: string, data: { key?: string }) => {
      asked.push(pattern);
      if (pattern === StoragePatterns.manifestReports) throw new RemoteError('UNKNOWN_PATTERN', `no handler for pattern "${pattern}"`, 1);
      if (data.key === 'broken') throw new Error('timed out');
      return { manifest: null, tombstone: data.key === 'gone' ? { key: 'gone', version: OLD } : null };
    },
  };
  const router = new ReplicaRouter({ nodeId: 'self' } as never, { addressOf: () => '127.0.0.1:1' } as never, pool as never, {} as never);
  return { router, asked };
}

describe('ReplicaRouter.report', () => {
  it('asks a peer that does not know batched reports key by key, and keeps each key its own outcome', async () => {
    const { router, asked } = routerToOlderPeer();
    const [plain, gone, broken] = await Promise.allSettled([router.report('peer', 'plain'), router.report('peer', 'gone'), router.report('peer', 'broken')]);
    assert.deepEqual(plain, { status: 'fulfilled', value: { manifest: null, tombstone: null } });
    assert.equal(gone.status === 'fulfilled' && gone.value.tombstone?.key, 'gone');
    assert.match(String(broken.status === 'rejected' && broken.reason), /timed out/);
    assert.deepEqual(asked.filter((p) => p === StoragePatterns.manifestReports).length, 1);

    asked.length = 0;
    await router.report('peer', 'plain');
    assert.deepEqual(asked, [StoragePatterns.manifestGet], 'the older peer is not asked the batched pattern again at once');
  });
});
