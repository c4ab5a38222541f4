import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkGuard, PIN_LEASE_MS } from './chunk-guard';

const H = 'a'.repeat(64);

describe(ChunkGuard.name, () => {
  it('never collects a pinned chunk, and collects it once every pin is off', async () => {
    const sut = new ChunkGuard();
    let deleted = 0;
    sut.pin([H]);
    sut.pin([H]);
    assert.equal(await sut.collect(H, async () => void (deleted += 1)), false);
    sut.unpin([H]);
    assert.equal(await sut.collect(H, async () => void (deleted += 1)), false, 'one pin is left');
    sut.unpin([H]);
    assert.equal(await sut.collect(H, async () => void (deleted += 1)), true);
    assert.equal(deleted, 1);
  });

  it('makes a commit that starts while a collection deletes the chunk wait for the deletion', async () => {
    const sut = new ChunkGuard();
    const order: string[] = [];
    let finishDelete!: () => void;
    const collecting = sut.collect(H, () => new Promise<void>((resolve) => (finishDelete = () => {
      order.push('deleted');
      resolve();
    })));
    // The commit pins, then waits for the claim before it checks that the chunk is there.
    sut.pin([H]);
    const committing = sut.settled([H]).then(() => order.push('commit checks'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [], 'the commit is still waiting');
    finishDelete();
    await Promise.all([collecting, committing]);
    assert.deepEqual(order, ['deleted', 'commit checks']);
    assert.equal(await sut.collect(H, async () => undefined), false, 'the commit holds a pin now');
  });

  it('lets the pin of an abandoned upload lapse after its lease', async () => {
    let now = 1_000;
    const sut = new ChunkGuard(() => now);
    sut.pin([H]);
    assert.equal(sut.isPinned(H), true);
    now += PIN_LEASE_MS;
    assert.equal(sut.isPinned(H), false);
  });
});
