import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NodeHarness } from '../helpers/node-harness';
import { runCli } from '../helpers/cli-runner';
import { NodeClient } from '../../src/cli/node-client';
import { sha256Hex } from '../../src/storage/chunker';
import { StoragePatterns } from '../../src/storage/storage.types';
import { openDatabase } from '../../src/peer-repository/data-source';
import { FileRepository } from '../../src/peer-repository/file.repository';
import { ChunkStore } from '../../src/storage/chunk-store';

describe('orphan chunks', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('an upload that never commits leaves only unreferenced chunks, which are the only ones old enough to sweep', async () => {
    const [a] = await harness.chain(1);
    const client = NodeClient.fromOptions({ bootstrap: a.p2p });
    const blob = Buffer.from('never committed');
    const { uploadId } = await client.call<{ uploadId: string }>(StoragePatterns.clientStoreBegin, { key: 'abandoned' });
    await client.call(StoragePatterns.clientStoreChunk, { uploadId, index: 0, hash: sha256Hex(blob), blob });
    client.close();
    const f = path.join(harness.dir('orphan'), 'kept.txt');
    fs.writeFileSync(f, 'kept');
    assert.equal((await runCli(['store', 'kept', f, '--bootstrap', a.p2p])).code, 0);
    await a.stop();

    // The sweep itself, on the stopped node's data: only the orphan goes, and only when old.
    const ds = await openDatabase(a.dbPath);
    try {
      const files = new FileRepository(ds);
      const chunks = new ChunkStore(path.join(a.dir, 'blobs'));
      const referenced = await files.referencedChunkHashes();
      const all: string[] = [];
      for await (const h of chunks.list()) all.push(h);
      const orphans = all.filter((h) => !referenced.has(h));
      assert.deepEqual(orphans, [sha256Hex(blob)]);
      const old = new Date(Date.now() - 25 * 3_600_000);
      fs.utimesSync(chunks.pathOf(orphans[0]), old, old);
      const { ScrubService } = await import('../../src/storage/scrub.service');
      const { LocalReplica } = await import('../../src/storage/local-replica');
      const { TombstoneRepository } = await import('../../src/peer-repository/tombstone.repository');
      const { StoreOutcomeRepository } = await import('../../src/peer-repository/store-outcome.repository');
      const local = new LocalReplica(chunks, files, new TombstoneRepository(ds), new StoreOutcomeRepository(ds));
      const sut = new ScrubService({ replicas: 1 } as never, local, files, {} as never, {} as never, {} as never);
      assert.equal(await sut.sweepOrphans(), 1);
      assert.equal(await chunks.has(orphans[0]), false);
      for (const h of referenced) assert.equal(await chunks.has(h), true, 'referenced chunks stay');
    } finally {
      await ds.destroy();
    }
  });
});
