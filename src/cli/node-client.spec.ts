/**
 * The CLI verifies every chunk of a get itself, so the node passes chunks on without hashing
 * them again; a chunk that arrives wrong is asked for once more with the node verifying.
 * A stand-in node on 127.0.0.1 (our handshake, our frames) plays the relay.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { NodeClient } from './node-client';
import { PeerConnection } from '../transport/peer-connection';
import { NodeIdentity } from '../transport/node-identity';
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
  let server: net.Server;
  let address = '';

  before(async () => {
    const identity = new NodeIdentity({ nodeId: 'a1'.repeat(16), clusterId: 'p2p-storage', secret: undefined, listenHost: '127.0.0.1', explicitAdvertise: undefined });
    server = net.createServer((socket) =>
      PeerConnection.accept(socket, identity.local(), {
        request: async (pattern, data) => {
          assert.equal(pattern, StoragePatterns.clientGetChunk);
          const { hash, verify } = data as { hash: string; verify?: unknown };
          const index = manifest.chunks.indexOf(hash);
          asked.push({ index, verify });
          const blob = Buffer.from(chunks[index]);
          if (damaged.has(index) && verify !== true) blob[0] ^= 0xff;
          return { blob };
        },
        event: () => undefined,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function download(): Promise<Buffer> {
    const client = NodeClient.fromOptions({ bootstrap: address, timeout: '5s' });
    const parts: Buffer[] = [];
    try {
      await client.get(manifest, async (data) => {
        parts.push(Buffer.from(data));
      });
    } finally {
      client.close();
    }
    return Buffer.concat(parts);
  }

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
