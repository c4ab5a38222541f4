import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit';

describe(GroupCommit.name, () => {
  it('writes a lone item at once and the items that arrive meanwhile together in the next write', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const sut = new GroupCommit<number, number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((i) => i * 10);
    });
    const first = sut.submit(1);
    await Promise.resolve();
    assert.deepEqual(writes, [[1]], 'the first item waited for company');
    const later = [2, 3, 4].map((i) => sut.submit(i));
    release();
    assert.deepEqual(await Promise.all([first, ...later]), [10, 20, 30, 40]);
    assert.deepEqual(writes, [[1], [2, 3, 4]]);
  });

  it('answers no caller before the write holding its item finished', async () => {
    let finished = false;
    const sut = new GroupCommit<number, boolean>(async (items) => {
      await new Promise((r) => setImmediate(r));
      finished = true;
      return items.map(() => true);
    });
    await sut.submit(1);
    assert.equal(finished, true);
  });

  it('writes each item of a failed group again on its own, so a bad item fails only its caller', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const sut = new GroupCommit<number, number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    const first = sut.submit(1);
    await Promise.resolve();
    const group = [12, 13, 14].map((i) => sut.submit(i).then((v) => v, (err: Error) => err.message));
    release();
    await first;
    assert.deepEqual(await Promise.all(group), [12, 'unlucky', 14]);
    assert.deepEqual(writes, [[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('keeps a group to its largest size', async () => {
    const writes: number[][] = [];
    const sut = new GroupCommit<number, number>(async (items) => {
      writes.push(items);
      await new Promise((r) => setImmediate(r));
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => sut.submit(i)));
    assert.deepEqual(writes, [[1], [2, 3], [4, 5]]);
  });
});
