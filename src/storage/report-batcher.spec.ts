import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReportBatcher } from './report-batcher';
import type { ManifestReport } from './storage.types';

const none: ManifestReport = { manifest: null, tombstone: null };

/** A batcher whose turn ends when the test says so, recording every message it sends. */
function batcher(maxKeys = 256, answer: (nodeId: string, keys: string[]) => Promise<Map<string, ManifestReport | Error>> | Map<string, ManifestReport | Error> = (_, keys) => new Map(keys.map((k) => [k, none]))) {
  const sent: Array<{ nodeId: string; keys: string[] }> = [];
  const turnEnds: Array<() => void> = [];
  const sut = new ReportBatcher(
    async (nodeId, keys) => {
      sent.push({ nodeId, keys });
      return answer(nodeId, keys);
    },
    maxKeys,
    (run) => turnEnds.push(run),
  );
  const endTurn = () => turnEnds.splice(0).forEach((run) => run());
  return { sut, sent, endTurn };
}

describe(ReportBatcher.name, () => {
  it('sends the reports asked of one peer in one turn as one message, one per peer', async () => {
    const { sut, sent, endTurn } = batcher();
    const asked = [sut.report('a', 'k1'), sut.report('a', 'k2'), sut.report('b', 'k1')];
    assert.equal(sent.length, 0, 'nothing goes out before the turn ends');
    endTurn();
    assert.deepEqual(await Promise.all(asked), [none, none, none]);
    assert.deepEqual(sent, [
      { nodeId: 'a', keys: ['k1', 'k2'] },
      { nodeId: 'b', keys: ['k1'] },
    ]);
  });

  it('asks a key wanted twice once and answers both callers', async () => {
    const report: ManifestReport = { manifest: null, tombstone: { key: 'k', version: 'v1' } };
    const { sut, sent, endTurn } = batcher(256, () => new Map([['k', report]]));
    const both = Promise.all([sut.report('a', 'k'), sut.report('a', 'k')]);
    endTurn();
    assert.deepEqual(await both, [report, report]);
    assert.deepEqual(sent, [{ nodeId: 'a', keys: ['k'] }]);
  });

  it('splits a turn with more keys than a message holds', async () => {
    const { sut, sent, endTurn } = batcher(2);
    const asked = ['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => sut.report('a', k));
    endTurn();
    await Promise.all(asked);
    assert.deepEqual(sent.map((m) => m.keys), [['k1', 'k2'], ['k3', 'k4'], ['k5']]);
  });

  it('fails every caller of a failed message, and a key the peer left out, alone', async () => {
    const failing = batcher(256, () => Promise.reject(new Error('peer gone')));
    const lost = [failing.sut.report('a', 'k1'), failing.sut.report('a', 'k2')];
    failing.endTurn();
    for (const p of lost) await assert.rejects(p, /peer gone/);

    const partial = batcher(256, () => new Map([['k1', none]]));
    const answered = partial.sut.report('a', 'k1');
    const left = partial.sut.report('a', 'k2');
    partial.endTurn();
    assert.deepEqual(await answered, none);
    await assert.rejects(left, /gave no report of "k2"/);

    const oneFailed = batcher(256, () => new Map<string, ManifestReport | Error>([['k1', none], ['k2', new Error('timed out')]]));
    const fine = oneFailed.sut.report('a', 'k1');
    const timedOut = oneFailed.sut.report('a', 'k2');
    oneFailed.endTurn();
    assert.deepEqual(await fine, none);
    await assert.rejects(timedOut, /timed out/);
  });

  it('fails the batch when sending throws at once', async () => {
    const sut = new ReportBatcher(
      () => {
        throw new Error('no known address');
      },
      256,
      (run) => run(),
    );
    await assert.rejects(sut.report('a', 'k'), /no known address/);
  });

  it('starts a new message for reports asked after the turn ended', async () => {
    const { sut, sent, endTurn } = batcher();
    const first = sut.report('a', 'k1');
    endTurn();
    const second = sut.report('a', 'k2');
    endTurn();
    await Promise.all([first, second]);
    assert.deepEqual(sent.map((m) => m.keys), [['k1'], ['k2']]);
  });
});
