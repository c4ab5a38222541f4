import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { NodeHarness } from '../helpers/node-harness';
import { runCli } from '../helpers/cli-runner';
import { NodeClient } from '../../src/cli/node-client';
import { sha256Hex } from '../../src/storage/chunker';
import { StoragePatterns } from '../../src/storage/storage.types';
import { openDatabase } from '../../src/peer-repository/data-source';
import { FileRepository } from '../../src/peer-repository/file.repository';
import { KeyReportRepository } from '../../src/peer-repository/key-report.repository';
import { ChunkStore } from '../../src/storage/chunk-store';
import { LocalReplica } from '../../src/storage/local-replica';
import { ScrubService } from '../../src/storage/scrub.service';
import { TombstoneRepository } from '../../src/peer-repository/tombstone.repository';
import { StoreOutcomeRepository } from '../../src/peer-repository/store-outcome.repository';

/** The scrubber of one node's data, outside a node (only its orphan sweep is used). */
function scrubberOf(ds: DataSource, files: FileRepository, chunks: ChunkStore): ScrubService {
  const local = new LocalReplica(chunks, files, new TombstoneRepository(ds), new StoreOutcomeRepository(ds), new KeyReportRepository(ds));
  return new ScrubService({ replicas: 1 } as never, local, files, {} as never, {} as never, {} as never);
}

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
      const sut = scrubberOf(ds, files, chunks);
      // Each step reads at most 16 of the 256 prefix folders: 16 steps go round them all.
      let swept = 0;
      for (let step = 0; step < 16; step++) swept += await sut.sweepOrphans();
      assert.equal(swept, 1);
      assert.equal(await chunks.has(orphans[0]), false);
      for (const h of referenced) assert.equal(await chunks.has(h), true, 'referenced chunks stay');
    } finally {
      await ds.destroy();
    }
  });

  it('sweeps in bounded steps: one pass looks at a few hundred chunk files, however many there are', async () => {
    const dir = harness.dir('orphan-steps');
    const ds = await openDatabase(path.join(dir, 'p2p.db'));
    try {
      const files = new FileRepository(ds);
      const chunks = new ChunkStore(path.join(dir, 'blobs'));
      await chunks.init();
      const old = new Date(Date.now() - 25 * 3_600_000);
      const orphans: string[] = [];
      for (let i = 0; i < 1500; i++) {
        const data = Buffer.from(`orphan ${i}`);
        await chunks.put(sha256Hex(data), data);
        fs.utimesSync(chunks.pathOf(sha256Hex(data)), old, old);
        orphans.push(sha256Hex(data));
      }
      const sut = scrubberOf(ds, files, chunks);
      const first = await sut.sweepOrphans();
      assert.ok(first > 0 && first <= 300, `one sweep step deleted ${first} of 1500 chunks`);
      let total = first;
      for (let step = 0; step < 100 && total < orphans.length; step++) total += await sut.sweepOrphans();
      assert.equal(total, orphans.length, 'the steps went on where the last one stopped, through every folder');
      for (const h of orphans) assert.equal(await chunks.has(h), false);
    } finally {
      await ds.destroy();
    }
  });
});
