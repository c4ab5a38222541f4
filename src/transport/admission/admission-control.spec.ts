import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionControl, AdmissionTicket, describeRefusal } from './admission-control';

const ticket = (x: ReturnType<AdmissionControl['admit']>): AdmissionTicket => {
  assert.ok(!('refused' in x), `refused: ${'refused' in x ? x.refused : ''}`);
  return x;
};

describe(AdmissionControl.name, () => {
  it('caps pending handshakes per address, and frees the slot on success or close', () => {
    const sut = new AdmissionControl({ maxConnections: 100, maxPending: 10, maxPendingPerHost: 2 });
    const a = ticket(sut.admit('10.0.0.1'));
    const b = ticket(sut.admit('10.0.0.1'));
    assert.deepEqual(sut.admit('10.0.0.1'), { refused: 'pending_per_host' });
    ticket(sut.admit('10.0.0.2'));
    a.authenticated();
    const c = ticket(sut.admit('10.0.0.1'));
    b.release();
    b.release();
    ticket(sut.admit('10.0.0.1'));
    c.authenticated();
    c.release();
    assert.deepEqual(sut.counts, { open: 3, pending: 2, hosts: 2 });
  });

  it('caps pending handshakes overall', () => {
    const sut = new AdmissionControl({ maxConnections: 100, maxPending: 2, maxPendingPerHost: 2 });
    ticket(sut.admit('a'));
    const b = ticket(sut.admit('b'));
    assert.deepEqual(sut.admit('c'), { refused: 'pending' });
    b.authenticated();
    ticket(sut.admit('c'));
  });

  it('caps open connections, authenticated ones included', () => {
    const sut = new AdmissionControl({ maxConnections: 2, maxPending: 2, maxPendingPerHost: 2 });
    const a = ticket(sut.admit('a'));
    a.authenticated();
    ticket(sut.admit('a'));
    assert.deepEqual(sut.admit('b'), { refused: 'connections' });
    a.release();
    a.authenticated(); // a late success after the close changes nothing
    ticket(sut.admit('b'));
    assert.deepEqual(sut.counts, { open: 2, pending: 2, hosts: 2 });
  });

  it('names the flag of each cap', () => {
    const limits = { maxConnections: 1, maxPending: 2, maxPendingPerHost: 3 };
    assert.match(describeRefusal('connections', limits), /--max-connections/);
    assert.match(describeRefusal('pending', limits), /--max-handshakes\)/);
    assert.match(describeRefusal('pending_per_host', limits), /--max-handshakes-per-host/);
  });
});
