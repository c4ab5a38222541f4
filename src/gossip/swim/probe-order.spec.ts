import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeOrder } from './probe-order';
import { seededRandom } from '../../../test/helpers/in-memory-network';

describe(ProbeOrder.name, () => {
  const members = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('visits every eligible member exactly once per pass, in a new order each pass', () => {
    const sut = new ProbeOrder(seededRandom(7));
    const passes: string[][] = [];
    for (let p = 0; p < 4; p++) {
      const pass: string[] = [];
      for (let i = 0; i < members.length; i++) pass.push(sut.next(() => true, () => members)!);
      assert.deepEqual([...pass].sort(), members);
      passes.push(pass);
    }
    assert.ok(new Set(passes.map((p) => p.join())).size > 1, 'the order was never reshuffled');
  });

  it('skips members that stopped being eligible and returns nothing when nobody is', () => {
    const sut = new ProbeOrder(seededRandom(1));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(sut.next((id) => id !== 'c', () => members)!);
    assert.equal(seen.has('c'), false);
    assert.equal(new ProbeOrder(seededRandom(1)).next(() => false, () => members), undefined);
    assert.equal(new ProbeOrder(seededRandom(1)).next(() => true, () => []), undefined);
  });

  it('probes a member added mid-pass within the same pass', () => {
    const sut = new ProbeOrder(seededRandom(3));
    sut.next(() => true, () => members);
    sut.add('new');
    const rest: string[] = [];
    for (let i = 0; i < members.length; i++) rest.push(sut.next(() => true, () => members)!);
    assert.ok(rest.includes('new'));
  });
});
