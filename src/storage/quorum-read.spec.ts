import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FileManifest } from '../peer-repository/file.repository';
import { FileNotFoundError } from './storage.errors';
import { StorageService } from './storage.service';
import type { ManifestReport } from './storage.types';
import { VersionClock, formatVersion } from './version';
import { quorumReadSet, readQuorum, settledManifest } from './quorum-read';

const [A, B, C] = ['a', 'b', 'c'].map((c) => c.repeat(32));
const ALL = [A, B, C];
const v = (n: number) => formatVersion({ ms: 1_700_000_000_000 + n, counter: 0, nodeId: 'ab'.repeat(8) });
const manifest = (n: number): FileManifest => ({ key: 'k', version: v(n), size: 1, contentHash: 'c'.repeat(64), chunkSize: 1024, chunks: [String(n).repeat(64).slice(0, 64)], createdAt: n });
const held = (n: number, extra: Partial<ManifestReport> = {}): ManifestReport => ({ manifest: manifest(n), tombstone: null, ...extra });
const settled = (n: number, extra: Partial<ManifestReport> = {}) => held(n, { settledFor: ALL, ...extra });

describe('readQuorum and quorumReadSet', () => {
  it('reads N - W + 1 holders, at least one and at most all', () => {
    assert.equal(readQuorum(3, 2), 2);
    assert.equal(readQuorum(3, 3), 1);
    assert.equal(readQuorum(3, 1), 3);
    assert.equal(readQuorum(1, 1), 1);
    assert.equal(readQuorum(5, 3), 3);
  });

  it('asks this node first, then the others in turn, and nobody when too few are reachable', () => {
    const isSelf = (id: string) => id === B;
    assert.deepEqual(quorumReadSet(ALL, isSelf, 2, 0), [B, A]);
    assert.deepEqual(quorumReadSet(ALL, isSelf, 2, 1), [B, C]);
    assert.deepEqual(quorumReadSet(ALL, isSelf, 2, 2), [B, A]);
    assert.deepEqual(quorumReadSet([A, C], isSelf, 2, 0), [A, C], 'this node not a holder: two others');
    assert.deepEqual(quorumReadSet([A], isSelf, 2, 0), []);
  });
});

describe('settledManifest', () => {
  it('settles on one version all answers hold, one of them knowing it acknowledged where the key is placed', () => {
    assert.equal(settledManifest([settled(2), held(2)], [], ALL)?.version, v(2));
    assert.equal(settledManifest([held(2), settled(2, { settledFor: [C, A, B] })], [], ALL)?.version, v(2), 'holders in any order');
  });

  it('leaves everything else to the read of every holder', () => {
    assert.equal(settledManifest([settled(1), settled(2)], [], ALL), undefined, 'different versions');
    assert.equal(settledManifest([settled(2), { manifest: null, tombstone: null }], [], ALL), undefined, 'a missing copy');
    assert.equal(settledManifest([held(2), held(2)], [], ALL), undefined, 'no answer knows the store acknowledged');
    assert.equal(settledManifest([settled(2), held(2, { aborted: [v(2)] })], [], ALL), undefined, 'a holder knows it aborted');
    assert.equal(settledManifest([settled(2), held(2)], [v(2)], ALL), undefined, 'this node knows it aborted');
    assert.equal(settledManifest([settled(2), held(2, { tombstone: { key: 'k', version: v(3) } })], [], ALL), undefined, 'a newer delete');
    assert.equal(settledManifest([settled(2, { settledFor: [A, B, 'd'.repeat(32)] }), held(2)], [], ALL), undefined, 'placed elsewhere when stored');
    assert.equal(settledManifest([], [], ALL), undefined);
  });
});

/**
 * A coordinator on node A of three (replicas 3, write quorum 2, so reads ask 2 first) whose
 * holders answer from `reports`; a holder missing from `up` is down, one in `failing` errs.
 */
function cluster(reports: Record<string, ManifestReport>, opts: { up?: string[]; failing?: string[] } = {}) {
  const asked: string[] = [];
  const up = opts.up ?? ALL;
  const membership = { knownIds: () => ALL, upIds: () => up, placementIds: () => up, alive: () => up.filter((id) => id !== A).map((nodeId) => ({ nodeId })) };
  const router = {
    isSelf: (id: string) => id === A,
    report: async (id: string) => {
      asked.push(id);
      if (!up.includes(id) || opts.failing?.includes(id)) throw new Error(`${id.slice(0, 1)} unreachable`);
      return reports[id] ?? { manifest: null, tombstone: null };
    },
  };
  const local = { abortedVersions: async () => reports[A]?.aborted ?? [] };
  const sut = new StorageService({ replicas: 3, writeQuorum: undefined, chunkSize: 1024 } as never, membership as never, router as never, local as never, new VersionClock(A));
  made.push(sut);
  return { sut, asked };
}
const made: StorageService[] = [];

describe('a read through StorageService', () => {
  afterEach(() => made.splice(0).forEach((s) => s.onModuleDestroy()));

  it('stops at two holders when they agree on an acknowledged version', async () => {
    const { sut, asked } = cluster({ [A]: settled(2), [B]: settled(2), [C]: settled(2) });
    assert.equal((await sut.manifest('k')).version, v(2));
    assert.equal(asked.length, 2);
    assert.equal(asked[0], A, 'this node first');
  });

  it('returns the acknowledged version when this node holds an older one (acknowledged too) or one holder is down', async () => {
    // v2 acknowledged on B and C while A was away: A still holds v1, settled then.
    for (const turn of [0, 1]) {
      const { sut, asked } = cluster({ [A]: settled(1), [B]: settled(2), [C]: held(2) });
      if (turn) await sut.manifest('k'); // the second read starts at the other holder
      assert.equal((await sut.manifest('k')).version, v(2));
      assert.ok(asked.includes(B) && asked.includes(C), 'asked every holder once the first two differed');
    }
    const down = cluster({ [A]: settled(1), [B]: settled(2) }, { up: [A, B] });
    assert.equal((await down.sut.manifest('k')).version, v(2));
    const failing = cluster({ [A]: settled(2), [B]: settled(2), [C]: settled(3) }, { failing: [B] });
    assert.equal((await failing.sut.manifest('k')).version, v(3), 'one failed answer: every other holder is asked');
  });

  it('returns the previous version when the newest answer is an aborted one, even if the first two hold it', async () => {
    // v2's store failed; its abort reached only C, which put v1 back. A and B still hold v2
    // (never settled: a failed store is never acknowledged).
    const { sut, asked } = cluster({ [A]: held(2), [B]: held(2), [C]: settled(1, { aborted: [v(2)] }) });
    for (let turn = 0; turn < 2; turn++) assert.equal((await sut.manifest('k')).version, v(1), `read ${turn + 1}`);
    assert.equal(asked.length, 3 + 3, 'each read asked two holders, then only the third: no holder twice');
    assert.deepEqual(new Set(asked.slice(0, 3)), new Set(ALL));
  });

  it('asks every holder for a file of several chunks, so that its chunks come from all of them', async () => {
    const big = (): ManifestReport => ({ manifest: { ...manifest(2), size: 2048, chunks: ['1'.repeat(64), '2'.repeat(64)] }, tombstone: null, settledFor: ALL });
    const { sut, asked } = cluster({ [A]: big(), [B]: big(), [C]: big() });
    assert.equal((await sut.manifest('k')).version, v(2));
    assert.deepEqual(asked.slice(0, 1), [A], 'this node first: its copy has several chunks');
    assert.deepEqual([...asked].sort(), [...ALL].sort(), 'then every holder at once, none twice');
  });

  it('asks again a holder whose answer failed, and only that one, when the first answers do not settle it', async () => {
    const { sut, asked } = cluster({ [A]: settled(2), [B]: settled(2), [C]: settled(3) });
    const router = (sut as unknown as { router: { report: (id: string) => Promise<ManifestReport> } }).router;
    const real = router.report;
    let failed = false;
    router.report = async (id: string) => {
      if (id !== A && !failed) {
        failed = true; // the other holder of the quorum read, once
        asked.push(id);
        throw new Error(`${id.slice(0, 1)} failed once`);
      }
      return real(id);
    };
    assert.equal((await sut.manifest('k')).version, v(3));
    const [first, other] = asked;
    const times = (id: string) => asked.filter((a) => a === id).length;
    assert.equal(first, A);
    assert.deepEqual([times(A), times(other), times(other === B ? C : B)], [1, 2, 1], 'this node once, the failed one again, the third once');
  });

  it('asks every holder when the agreed version was stored on other holders than the key is placed on now', async () => {
    const elsewhere = [A, B, 'd'.repeat(32)];
    const { sut, asked } = cluster({ [A]: settled(1, { settledFor: elsewhere }), [B]: settled(1, { settledFor: elsewhere }), [C]: settled(2) });
    assert.equal((await sut.manifest('k')).version, v(2));
    assert.ok(asked.includes(C));
  });

  it('answers not found after an acknowledged delete this node missed, whichever holder it asks second', async () => {
    const grave = { manifest: null, tombstone: { key: 'k', version: v(2) } };
    const { sut } = cluster({ [A]: settled(1), [B]: grave, [C]: grave });
    for (let turn = 0; turn < 2; turn++) await assert.rejects(sut.manifest('k'), FileNotFoundError);
  });
});
