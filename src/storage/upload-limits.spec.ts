import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { P2pError } from '../common/errors';
import { sha256Hex } from './chunker';
import { StorageService } from './storage.service';
import { VersionClock } from './version';

const SELF = 'a'.repeat(32);

/** A one-node coordinator: every holder-side call is this node's and succeeds. */
function coordinator() {
  const released: string[] = [];
  const membership = { knownIds: () => [SELF], upIds: () => [SELF], placementIds: () => [SELF], alive: () => [] };
  const router = {
    isSelf: (id: string) => id === SELF,
    report: async () => ({ manifest: null, tombstone: null }),
    putChunk: async () => undefined,
    releaseChunks: async (_id: string, hashes: string[]) => void released.push(...hashes),
  };
  const local = { abortedVersions: async () => [] };
  const sut = new StorageService({ replicas: 1, chunkSize: 256 } as never, membership as never, router as never, local as never, new VersionClock(SELF));
  return { sut, released };
}

const chunk = () => {
  const data = randomBytes(256);
  return { data, hash: sha256Hex(data) };
};

const refusedWith = (code: string, text: RegExp) => (err: unknown) => {
  assert.ok(err instanceof P2pError);
  assert.equal(err.code, code);
  assert.match(err.message, text);
  return true;
};

describe('upload limits of StorageService', () => {
  let sut: StorageService;
  let released: string[];
  beforeEach(() => {
    mock.timers.enable({ apis: ['Date', 'setInterval'] });
    ({ sut, released } = coordinator());
  });
  afterEach(() => {
    sut.onModuleDestroy();
    mock.timers.reset();
  });

  it('keeps at most 8 uploads open per client, and the others are still admitted', async () => {
    for (let i = 0; i < 8; i++) await sut.beginStore(`k${i}`, 'cli:one');
    await assert.rejects(sut.beginStore('k8', 'cli:one'), refusedWith('TOO_MANY_UPLOADS', /this client has 8 uploads open/));
    await sut.beginStore('other', 'cli:two');
  });

  it('keeps at most 64 uploads open on the node, its own ones included', async () => {
    for (let c = 0; c < 7; c++) for (let i = 0; i < 8; i++) await sut.beginStore(`k${c}-${i}`, `cli:${c}`);
    for (let i = 0; i < 8; i++) await sut.beginStore(`own-${i}`);
    await assert.rejects(sut.beginStore('one-more', 'cli:new'), refusedWith('TOO_MANY_UPLOADS', /this node has 64 uploads open/));
    await assert.rejects(sut.beginStore('own-more'), refusedWith('TOO_MANY_UPLOADS', /this node/));
  });

  it('takes chunks at most 8 ahead of the next one it needs', async () => {
    const { uploadId } = await sut.beginStore('k', 'cli:one');
    const c = chunk();
    await assert.rejects(sut.storeChunk(uploadId, 8, c.hash, c.data), /chunk 8 arrived, expected 0 to 7/);
    assert.deepEqual(await sut.storeChunk(uploadId, 7, c.hash, c.data), { received: 0 });
  });

  it('drops an upload holding chunks ahead of a missing one after 30 s without progress, and frees them', async () => {
    const stalled = await sut.beginStore('stalled', 'cli:one');
    const ahead = [1, 2, 3, 4, 5, 6, 7].map(() => chunk());
    for (const [i, c] of ahead.entries()) await sut.storeChunk(stalled.uploadId, i + 1, c.hash, c.data);
    // Another upload that keeps sending in order is never taken for a stalled one.
    const steady = await sut.beginStore('steady', 'cli:two');
    for (let i = 0; i < 6; i++) {
      mock.timers.tick(10_000);
      const c = chunk();
      assert.deepEqual(await sut.storeChunk(steady.uploadId, i, c.hash, c.data), { received: i + 1 });
    }
    const first = chunk();
    await assert.rejects(sut.storeChunk(stalled.uploadId, 0, first.hash, first.data), refusedWith('UPLOAD_NOT_FOUND', /not in progress/));
    assert.deepEqual(new Set(released), new Set(ahead.map((c) => c.hash)), 'the chunks it held are released on its holders');
  });
});
