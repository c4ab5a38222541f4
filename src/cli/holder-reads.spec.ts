/**
 * A get reads chunks straight from the holders its node names, each verified against the
 * manifest; a holder that sends a damaged chunk is passed over for that chunk, one that cannot
 * be reached or answers under another node id is left out, and what no holder gave comes
 * through the node. Stand-in nodes on 127.0.0.1 (TLS, our handshake, our frames) play the node
 * and the holders.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { downloadWith } from '../../test/helpers/client-download';
import { StandIn, startStandIn } from '../../test/helpers/stand-in-node';
import { sha256Hex } from '../storage/chunker';
import { FileManifest, StoragePatterns } from '../storage/storage.types';
import { ChunkCorruptError } from '../storage/storage.errors';

const chunks = [0, 1, 2, 3, 4, 5].map((i) => Buffer.from(`chunk number ${i}`));
const manifest: FileManifest = {
  key: 'k',
  version: '000000000000001.000000.n',
  size: chunks.reduce((n, c) => n + c.length, 0),
  contentHash: sha256Hex(Buffer.concat(chunks)),
  chunkSize: 1024 * 1024,
  chunks: chunks.map(sha256Hex),
  createdAt: 0,
};

interface Asked {
  by: string;
  index: number;
  held: unknown;
  verify: unknown;
}

/** A stand-in that serves the chunks; `damage` says which it sends with a flipped byte. */
function server(name: string, asked: Asked[], sources: () => unknown, damage: (index: number) => boolean = () => false, nodeId?: string): Promise<StandIn> {
  return startStandIn(
    {
      request: async (pattern: string, data: unknown) => {
        if (pattern === StoragePatterns.clientGetSources) return { holders: sources() };
        assert.equal(pattern, StoragePatterns.clientGetChunk);
        const { hash, held, verify } = data as { hash: string; held?: unknown; verify?: unknown };
        const index = manifest.chunks.indexOf(hash);
        asked.push({ by: name, index, held, verify });
        const blob = Buffer.from(chunks[index]);
        if (!damage(index)) return { blob };
        // A damaged copy on disk: sent as is unless asked to verify, as a holder does.
        if (verify === true) throw new ChunkCorruptError(hash, 'stored chunk');
        blob[0] ^= 0xff;
        return { blob };
      },
      event: () => undefined,
    },
    nodeId,
  );
}

/** An address nothing listens on. */
async function deadAddress(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return address;
}

describe('a get straight from the holders', () => {
  const asked: Asked[] = [];
  let holders: Array<{ nodeId: string; address: string }> = [];
  const ids = { good: 'b1'.repeat(16), bad: 'b2'.repeat(16), impostor: 'b3'.repeat(16), dead: 'b4'.repeat(16) };
  const servers: StandIn[] = [];
  let node = '';

  before(async () => {
    const good = await server('good', asked, () => [], () => false, ids.good);
    const bad = await server('bad', asked, () => [], () => true, ids.bad);
    // Listed under one id, it answers under another: not the holder it was named as.
    const impostor = await server('impostor', asked, () => [], () => false, 'b5'.repeat(16));
    const gateway = await server('node', asked, () => holders);
    servers.push(good, bad, impostor, gateway);
    node = gateway.address;
    holders = [
      { nodeId: ids.bad, address: bad.address },
      { nodeId: ids.good, address: good.address },
      { nodeId: ids.impostor, address: impostor.address },
      { nodeId: ids.dead, address: await deadAddress() },
    ];
  });
  after(() => Promise.all(servers.map((s) => s.close())));

  const download = (viaNode = false) => downloadWith(node, manifest, viaNode);

  it('takes every chunk from a reachable holder, passing over damaged ones, and none through the node', async () => {
    asked.length = 0;
    assert.ok((await download()).equals(Buffer.concat(chunks)));
    // Every chunk came from the good holder, asked for its own copy unverified (this client checks).
    const served = asked.filter((a) => a.by === 'good');
    assert.deepEqual(served.map((a) => a.index).sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(served.every((a) => a.held === true && a.verify === false));
    // The bad holder was tried first for some chunks, and asked again with verification for each.
    const bad = asked.filter((a) => a.by === 'bad');
    assert.ok(bad.length > 0, 'the two reachable holders did not share the chunks');
    for (const index of new Set(bad.map((a) => a.index))) {
      assert.deepEqual(bad.filter((a) => a.index === index).map((a) => a.verify), [false, true]);
    }
    assert.deepEqual(asked.filter((a) => a.by === 'node' || a.by === 'impostor'), []);
  });

  it('falls back to the node for what no holder gives whole', async () => {
    const good = holders[1];
    holders = holders.filter((h) => h !== good); // left: a damaging holder, an impostor, a dead one
    try {
      asked.length = 0;
      assert.ok((await download()).equals(Buffer.concat(chunks)));
      assert.deepEqual(asked.filter((a) => a.by === 'node').map((a) => a.index), [0, 1, 2, 3, 4, 5]);
    } finally {
      holders.splice(1, 0, good);
    }
  });

  it('--via-node asks the node for every chunk', async () => {
    asked.length = 0;
    assert.ok((await download(true)).equals(Buffer.concat(chunks)));
    assert.deepEqual([...new Set(asked.map((a) => a.by))], ['node']);
  });
});
