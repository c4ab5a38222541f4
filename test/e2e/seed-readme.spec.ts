/**
 * The original README's "Testing Checklist", end to end through ./bin/p2p with its command
 * lines: C (bootstrapped from B as localhost:<port>) discovers A through B, and logs it as the README shows; store on one node, get from another;
 * peers; cleanup; files list; delete propagates to all nodes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';

interface PeerJson {
  nodeId: string;
  address: string;
  status: string;
}
interface FileJson {
  key: string;
  size: number;
}

describe('seed README checklist through ./bin/p2p', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  let work: string;

  const alivePeers = async (node: TestNode) =>
    (await cliJson<PeerJson[]>(['peers', '--db', node.dbPath])).filter((p) => p.status === 'alive').map((p) => p.nodeId).sort();
  const fileKeys = async (node: TestNode) => (await cliJson<FileJson[]>(['files', 'list', '--db', node.dbPath])).map((f) => f.key);

  before(async () => {
    work = harness.dir('seed-work');
    // As the README starts them: each node bootstraps from the one before by `localhost:<port>`.
    const local = (n: TestNode) => `localhost:${n.p2p.split(':').pop()}`;
    a = await harness.start({ name: 'a' });
    b = await harness.start({ name: 'b', bootstrap: [local(a)] });
    c = await harness.start({ name: 'c', bootstrap: [local(b)] });
  });
  after(() => harness.stopAll());

  it('peer discovery: C discovers A through B, and A learns C', async () => {
    await waitFor(async () => (await alivePeers(c)).join() === [a.nodeId, b.nodeId].sort().join(), { description: 'C to list A and B alive' });
    await waitFor(async () => (await alivePeers(a)).join() === [b.nodeId, c.nodeId].sort().join(), { description: 'A to list B and C alive' });
    // The log lines the README shows: B is C's bootstrap peer (named localhost, met as 127.0.0.1), A the one it discovered.
    await waitFor(() => /Peer discovery: connected to \d+ new peer/.test(c.logs()), { description: 'C to log its discovery' });
    assert.match(c.logs(), new RegExp(`Connected to bootstrap peer ${b.p2p}\n`));
    assert.match(c.logs(), new RegExp(`Connected to discovered peer ${a.p2p}\n`));
    assert.match(c.logs(), /Peer discovery: connected to 1 new peer\(s\)/);
  });

  it('file storage and retrieval: store on C with the seed client flags, get from A', async () => {
    const input = path.join(work, 'test.txt');
    fs.writeFileSync(input, 'Hello P2P Storage!\n');
    const store = await runCli(['store', 'testfile', input, '--listen', ':7000', '--db', path.join(work, 'store.db'), '--bootstrap', c.p2p]);
    assert.equal(store.code, 0, store.stderr);
    assert.match(store.stdout, /^Stored "testfile": 19 bytes in 1 chunk\(s\), 3\/3 holders confirmed$/m);
    const out = path.join(work, 'retrieved.txt');
    const get = await runCli(['get', 'testfile', '--listen', ':8000', '--db', path.join(work, 'get.db'), '--bootstrap', a.p2p, '--out', out]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), 'Hello P2P Storage!\n');
    assert.equal(fs.existsSync(path.join(work, 'store.db')), false, 'a client keeps no database');
  });

  it('a multi-chunk file survives the round trip byte for byte', async () => {
    const input = path.join(work, 'random.bin');
    const bytes = crypto.randomBytes(5 * 1024 * 1024 + 123);
    fs.writeFileSync(input, bytes);
    const store = await runCli(['store', 'random', input, '--bootstrap', b.p2p]);
    assert.equal(store.code, 0, store.stderr);
    assert.match(store.stdout, /in 6 chunk\(s\)/);
    const get = await runCli(['get', 'random', '--bootstrap', c.p2p]);
    assert.equal(get.code, 0, get.stderr);
    assert.ok(get.stdoutBytes.equals(bytes), 'bytes through standard output');
    const out = path.join(work, 'random.out');
    assert.equal((await runCli(['get', 'random', '--bootstrap', a.p2p, '--out', out])).code, 0);
    assert.ok(fs.readFileSync(out).equals(bytes));
  });

  it('peer list: the table shows the other two nodes', async () => {
    const r = await runCli(['peers', '--db', c.dbPath]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^ADDRESS\s+STATUS\s+LAST SEEN\s+NODE ID$/);
    assert.match(lines[1], /^-+$/);
    assert.equal(lines.length, 4);
    for (const node of [a, b]) assert.ok(r.stdout.includes(node.p2p), `${node.p2p} listed`);
  });

  it('files list: every node lists the stored keys', async () => {
    for (const node of [a, b, c]) assert.deepEqual((await fileKeys(node)).sort(), ['random', 'testfile']);
  });

  it('deletion propagates to all nodes and get then fails with "not found"', async () => {
    const del = await runCli(['delete', 'testfile', '--listen', ':7000', '--db', path.join(work, 'delete.db'), '--bootstrap', b.p2p]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^Deleted "testfile"$/m);
    for (const node of [a, b, c]) await waitFor(async () => !(await fileKeys(node)).includes('testfile'), { description: `${node.name} to drop testfile` });
    const get = await runCli(['get', 'testfile', '--bootstrap', a.p2p, '--out', path.join(work, 'gone.txt')]);
    assert.equal(get.code, 3);
    assert.match(get.stderr, /^error: file "testfile" not found\n$/);
  });

  it('cleanup: removes peers that are gone and keeps the alive ones', async () => {
    const fresh = await runCli(['cleanup', '--db', c.dbPath]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /^Removed 0 stale peer\(s\)$/m);
    await b.stop();
    await waitFor(async () => (await cliJson<PeerJson[]>(['peers', '--db', c.dbPath])).some((p) => p.nodeId === b.nodeId && p.status !== 'alive'), {
      description: 'C to see B gone',
    });
    const r = await runCli(['cleanup', '--db', c.dbPath, '--older-than', '0s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Removed 1 stale peer\(s\)$/m);
    assert.deepEqual(await alivePeers(c), [a.nodeId]);
  });
});
