import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeReports, isValidReport } from './peer-exchange';
import { MemberView } from './membership.types';

const m = (id: string, over: Partial<MemberView> = {}): MemberView => ({
  nodeId: id.repeat(16),
  address: `127.0.0.1:${3000 + id.charCodeAt(0)}`,
  status: 'alive',
  incarnation: 1,
  lastSeen: 1000,
  ...over,
});

describe('mergeReports', () => {
  it('introduces unknown members as unverified and asks the caller to contact them', () => {
    const sut = mergeReports(new Map(), [m('a')], 'f'.repeat(16));
    assert.equal(sut.members.get('a'.repeat(16))?.status, 'suspect');
    assert.equal(sut.discovered.length, 1);
  });

  it('ignores reports about itself and malformed reports', () => {
    const sut = mergeReports(new Map(), [m('f'), { nodeId: 'zz' } as unknown as MemberView], 'f'.repeat(16));
    assert.equal(sut.members.size, 0);
  });

  it('never lets hearsay declare a known member dead', () => {
    const current = new Map([[m('a').nodeId, m('a')]]);
    const sut = mergeReports(current, [m('a', { status: 'dead' })], 'f'.repeat(16));
    assert.equal(sut.members.get(m('a').nodeId)?.status, 'alive');
  });

  it('takes a left at the same or a higher incarnation, and a new address at a higher one', () => {
    const current = new Map([[m('a').nodeId, m('a')]]);
    const left = mergeReports(current, [m('a', { status: 'left' })], 'f'.repeat(16));
    assert.equal(left.members.get(m('a').nodeId)?.status, 'left');
    assert.equal(left.changes[0].type, 'left');
    const moved = mergeReports(current, [m('a', { incarnation: 2, address: '127.0.0.1:9' })], 'f'.repeat(16));
    assert.equal(moved.members.get(m('a').nodeId)?.address, '127.0.0.1:9');
  });

  it('validates addresses strictly', () => {
    assert.equal(isValidReport(m('a', { address: 'evil host:1' })), false);
    assert.equal(isValidReport(m('a', { address: '[::1]:3000' })), true);
  });
});
