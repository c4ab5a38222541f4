/**
 * The HTTP data path: HEAD answers from the manifest alone (it used to stream the whole file,
 * so a HEAD of a file whose chunk is gone here failed), and the server has no overall request
 * deadline (Node's default 300 s would cut a long upload) but an idle one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NodeClient } from '../../src/cli/node-client';
import { StoragePatterns } from '../../src/storage/storage.types';
import { P2pError } from '../../src/common/errors';
import { NodeHarness, TestNode } from '../helpers/node-harness';

describe('HTTP data path', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  before(async () => {
    a = await harness.start({ name: 'a' });
  });
  after(() => harness.stopAll());

  it('answers HEAD from the manifest without reading a chunk', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const put = await fetch(`http://${a.http}/v1/files/head-me`, { method: 'PUT', body });
    assert.equal(put.status, 200);
    // Take the chunk files away: a HEAD that read them would fail.
    const blobs = path.join(a.dir, 'blobs');
    for (const prefix of fs.readdirSync(blobs).filter((d) => /^[0-9a-f]{2}$/.test(d))) fs.rmSync(path.join(blobs, prefix), { recursive: true });
    const head = await fetch(`http://${a.http}/v1/files/head-me`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(body.length));
    assert.match(head.headers.get('etag') ?? '', /^"[0-9a-f]{64}"$/);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  it('caps the uploads one client may have open', async () => {
    const client = NodeClient.fromOptions({ bootstrap: a.p2p });
    try {
      for (let i = 0; i < 8; i++) await client.call(StoragePatterns.clientStoreBegin, { key: `open-${i}` });
      await assert.rejects(client.call(StoragePatterns.clientStoreBegin, { key: 'one-too-many' }), (err: unknown) => {
        assert.ok(err instanceof P2pError);
        assert.equal(err.code, 'TOO_MANY_UPLOADS');
        return true;
      });
    } finally {
      client.close();
    }
  });
});
