import { after, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
// The module object itself (not a namespace copy of it), so that a mock of one of its functions is what the store calls.
import fsModule from 'node:fs';
import * as path from 'node:path';
import { ChunkStore } from '../../src/storage/chunk-store';
import { sha256Hex } from '../../src/storage/chunker';
import { ChunkCorruptError, ChunkNotFoundError, InvalidChunkHashError } from '../../src/storage/storage.errors';
import { removeDir, tmpDir } from '../helpers/tmp-dir';

describe(ChunkStore.name, () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));
  const make = async () => {
    const dir = tmpDir('chunks');
    dirs.push(dir);
    const sut = new ChunkStore(path.join(dir, 'blobs'));
    await sut.init();
    return sut;
  };

  it('stores once by content, reads back verified, lists and deletes', async () => {
    const sut = await make();
    const data = Buffer.from('chunk data');
    const hash = sha256Hex(data);
    assert.equal(await sut.put(hash, data), true);
    assert.equal(await sut.put(hash, data), false);
    assert.ok((await sut.get(hash)).equals(data));
    const listed = [];
    for await (const h of sut.list()) listed.push(h);
    assert.deepEqual(listed, [hash]);
    assert.deepEqual(await sut.stats(), { chunks: 1, bytes: data.length });
    await sut.delete(hash);
    await assert.rejects(sut.get(hash), ChunkNotFoundError);
  });

  it('refuses data that does not match its hash, and names that are not hashes', async () => {
    const sut = await make();
    await assert.rejects(sut.put(sha256Hex(Buffer.from('a')), Buffer.from('b')), ChunkCorruptError);
    await assert.rejects(sut.get('../../etc/passwd'), InvalidChunkHashError);
  });

  it('never serves a chunk damaged on disk, and moves it aside', async () => {
    const sut = await make();
    const data = Buffer.from('precious');
    const hash = sha256Hex(data);
    await sut.put(hash, data);
    fs.writeFileSync(sut.pathOf(hash), 'tampered');
    await assert.rejects(sut.get(hash), ChunkCorruptError);
    assert.equal(await sut.has(hash), false);
    assert.equal(fs.readdirSync(path.join(sut.blobsDir, 'corrupt')).length, 1);
  });

  it('stores into a prefix folder that was removed after it was first made', async () => {
    const sut = await make();
    const first = Buffer.from('first');
    await sut.put(sha256Hex(first), first);
    await sut.delete(sha256Hex(first));
    fs.rmSync(path.dirname(sut.pathOf(sha256Hex(first))), { recursive: true });
    // Another chunk with the same two leading hex digits goes to the same, now missing, folder.
    let i = 0;
    let second = Buffer.from('second 0');
    while (sha256Hex(second).slice(0, 2) !== sha256Hex(first).slice(0, 2)) second = Buffer.from(`second ${++i}`);
    assert.equal(await sut.put(sha256Hex(second), second), true);
    assert.ok((await sut.get(sha256Hex(second))).equals(second));
  });

  it('stores with the folder sync deferred, then syncs each folder of a set of chunks once', async () => {
    const sut = await make();
    const chunks = Array.from({ length: 5 }, (_, i) => Buffer.from(`deferred ${i}`));
    for (const c of chunks) assert.equal(await sut.put(sha256Hex(c), c, { deferFolderSync: true }), true);
    await sut.syncFolders([...chunks, chunks[0]].map(sha256Hex));
    for (const c of chunks) assert.ok((await sut.get(sha256Hex(c))).equals(c));
    await assert.rejects(sut.syncFolders(['../../etc/passwd']), InvalidChunkHashError);
  });

  it('counts its chunks for the gauges from its own writes and deletes; after the first count a look reads one folder, not the store', async () => {
    const sut = await make();
    const chunks = Array.from({ length: 60 }, (_, i) => Buffer.from(`counted ${i} `.repeat(i + 1)));
    const bytes = (list: Buffer[]) => list.reduce((n, c) => n + c.length, 0);
    for (const c of chunks.slice(0, 40)) await sut.put(sha256Hex(c), c);
    assert.deepEqual(await sut.stats(), { chunks: 40, bytes: bytes(chunks.slice(0, 40)) });
    for (const c of chunks.slice(40)) await sut.put(sha256Hex(c), c, { knownMissing: c === chunks[59] });
    assert.equal(await sut.put(sha256Hex(chunks[0]), chunks[0]), false); // already there: not counted twice
    for (const c of chunks.slice(0, 5)) await sut.delete(sha256Hex(c));
    await sut.delete(sha256Hex(chunks[0])); // already gone
    const damaged = chunks[10];
    fs.writeFileSync(sut.pathOf(sha256Hex(damaged)), 'x'.repeat(damaged.length));
    await assert.rejects(sut.get(sha256Hex(damaged)), ChunkCorruptError); // moved aside
    const left = chunks.slice(5).filter((c) => c !== damaged);
    const folderReads = [mock.method(fsModule, 'readdirSync'), mock.method(fsModule.promises, 'readdir')];
    try {
      assert.deepEqual(await sut.stats(), { chunks: left.length, bytes: bytes(left) });
      assert.ok(folderReads.reduce((n, m) => n + m.mock.callCount(), 0) <= 1, 'a look after the first reads at most one folder');
    } finally {
      folderReads.forEach((m) => m.mock.restore());
    }
    // What changed behind the store's back is found once its folder's turn comes round.
    fs.rmSync(sut.pathOf(sha256Hex(chunks[20])));
    let found = await sut.stats();
    for (let look = 0; look < 256 && found.chunks !== left.length - 1; look++) found = await sut.stats();
    assert.deepEqual(found, { chunks: left.length - 1, bytes: bytes(left) - chunks[20].length });
  });

  it('clears temp files a crash left behind', async () => {
    const sut = await make();
    fs.writeFileSync(path.join(sut.blobsDir, 'tmp', 'half-written'), 'x');
    await sut.init();
    assert.deepEqual(fs.readdirSync(path.join(sut.blobsDir, 'tmp')), []);
  });
});
