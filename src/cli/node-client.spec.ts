/**
 * The CLI verifies every chunk of a get itself, so the node passes chunks on without hashing
 * them again; a chunk that arrives wrong is asked for once more with the node verifying.
 * A stand-in node on 127.0.0.1 (TLS, our handshake, our frames) plays the relay. (Reads
 * straight from the holders: holder-reads.spec.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { downloadWith } from '../../test/helpers/client-download';
import { StandIn, startStandIn } from '../../test/helpers/stand-in-node';
import { sha256Hex } from '../storage/chunker';
import { FileManifest, StoragePatterns } from '../storage/storage.types';

describe('NodeClient.get', () => {
  const chunks = [Buffer.from('first chunk'), Buffer.from('second chunk')];
  const manifest: FileManifest = {
    key: 'k',
    version: '000000000000001.000000.n',
    size: chunks[0].length + chunks[1].length,
    contentHash: sha256Hex(Buffer.concat(chunks)),
    chunkSize: 1024 * 1024,
    chunks: chunks.map(sha256Hex),
    createdAt: 0,
  };
  /** What the stand-in node was asked: chunk index and the `verify` flag. */
  const asked: Array<{ index: number; verify: unknown }> = [];
  /** Chunk indexes the stand-in damages unless asked to verify. */
  let damaged = new Set<number>();
  let server: StandIn;
  let address = '';

  before(async () => {
    server = await startStandIn({
      request: async (pattern: string, data: unknown) => {
        // It names no holder, so every chunk comes through it.
        if (pattern === StoragePatterns.clientGetSources) return { holders: [] };
        assert.equal(pattern, StoragePatterns.clientGetChunk);
        const { hash, verify } = data as { hash: string; verify?: unknown };
        const index = manifest.chunks.indexOf(hash);
        asked.push({ index, verify });
        const blob = Buffer.from(chunks[index]);
        if (damaged.has(index) && verify !== true) blob[0] ^= 0xff;
        return { blob };
      },
      event: () => undefined,
    });
    address = server.address;
  });
  after(() => server.close());

  const download = () => downloadWith(address, manifest);

  it('asks without node-side verification when every chunk arrives intact', async () => {
    asked.length = 0;
    damaged = new Set();
    assert.ok((await download()).equals(Buffer.concat(chunks)));
    assert.deepEqual(asked, [
      { index: 0, verify: false },
      { index: 1, verify: false },
    ]);
  });

  it('asks again with verification for a chunk that arrives damaged, and writes only good bytes', async () => {
    asked.length = 0;
    damaged = new Set([1]);
    assert.ok((await download()).equals(Buffer.concat(chunks)));
    assert.deepEqual(
      asked.filter((a) => a.index === 1),
      [
        { index: 1, verify: false },
        { index: 1, verify: true },
      ],
    );
  });
});
