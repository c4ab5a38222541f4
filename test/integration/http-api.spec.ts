import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { NodeHarness, TestNode } from '../helpers/node-harness';
import { sumOf } from '../helpers/node-metrics';
import { waitFor } from '../helpers/wait-for';

// Response bodies in these tests are checked field by field, so read them untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: Response): Promise<any> => r.json();

const METRICS = [
  'p2p_members', 'p2p_messages_total', 'p2p_message_bytes_total', 'p2p_handshake_failures_total', 'p2p_transport_errors_total',
  'p2p_connections', 'p2p_operations_total', 'p2p_operation_duration_seconds', 'p2p_http_downloads_in_progress', 'p2p_stored_bytes', 'p2p_chunks', 'p2p_files',
  'p2p_under_replicated_keys', 'p2p_repair_queue_depth', 'p2p_repairs_total', 'p2p_scrub_errors_total', 'p2p_scrub_pass_duration_seconds', 'p2p_anti_entropy_rounds_total',
  'p2p_peer_state_changes_total', 'p2p_disk_free_bytes', 'p2p_disk_total_bytes', 'p2p_node_info', 'p2p_ready',
];

describe('HTTP side of a node', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let b: TestNode;
  let secured: TestNode;
  const url = (n: TestNode, p: string) => `http://${n.http}${p}`;

  before(async () => {
    [a, b] = await harness.chain(2);
    secured = await harness.start({ name: 'secured', args: ['--cluster-secret', 's', '--api-token', 'tok'] });
    await waitFor(async () => (await fetch(url(a, '/readyz'))).status === 200, { description: 'A ready' });
  });
  after(() => harness.stopAll());

  it('answers /healthz and /readyz with JSON', async () => {
    assert.deepEqual(await json(await fetch(url(a, '/healthz'))), { status: 'ok' });
    const ready = await fetch(url(b, '/readyz'));
    assert.equal(ready.status, 200);
    assert.deepEqual((await json(ready)).failing, {});
  });

  it('exports every p2p metric with Prometheus naming, plus process metrics', async () => {
    const text = await (await fetch(url(a, '/metrics'))).text();
    for (const name of METRICS) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    for (const m of text.matchAll(/^# TYPE (p2p_\S+) (counter|gauge|histogram)$/gm)) {
      if (m[2] === 'counter') assert.match(m[1], /_total$/, `${m[1]} is a counter`);
      else assert.doesNotMatch(m[1], /_total$/, `${m[1]} is not a counter`);
    }
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.match(text, /^p2p_ready 1$/m);
  });

  it('stores, serves with ETag and ranges, lists, shows replicas and deletes', async () => {
    const body = crypto.randomBytes(2 * 1024 * 1024 + 10);
    const put = await fetch(url(a, '/v1/files/dir%2Fblob.bin'), { method: 'PUT', body });
    assert.equal(put.status, 200, await put.clone().text());
    const stored = await json(put);
    assert.equal(stored.size, body.length);
    assert.equal(stored.confirmed.length, 2);

    const get = await fetch(url(b, '/v1/files/dir%2Fblob.bin'));
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('etag'), `"${crypto.createHash('sha256').update(body).digest('hex')}"`);
    assert.equal(get.headers.get('content-length'), String(body.length));
    assert.ok(Buffer.from(await get.arrayBuffer()).equals(body));

    const range = await fetch(url(b, '/v1/files/dir%2Fblob.bin'), { headers: { Range: 'bytes=1048570-1048585' } });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get('content-range'), `bytes 1048570-1048585/${body.length}`);
    assert.ok(Buffer.from(await range.arrayBuffer()).equals(body.subarray(1048570, 1048586)));
    assert.equal((await fetch(url(b, '/v1/files/dir%2Fblob.bin'), { headers: { Range: `bytes=${body.length}-` } })).status, 416);

    const list = await json(await fetch(url(a, '/v1/files')));
    assert.deepEqual(list.map((f: { key: string }) => f.key), ['dir/blob.bin']);
    const replicas = await json(await fetch(url(a, '/v1/files/dir%2Fblob.bin/replicas')));
    assert.equal(replicas.nodes.filter((n: { current: boolean }) => n.current).length, 2);

    assert.equal((await fetch(url(b, '/v1/files/dir%2Fblob.bin'), { method: 'DELETE' })).status, 200);
    const gone = await fetch(url(a, '/v1/files/dir%2Fblob.bin'));
    assert.equal(gone.status, 404);
    assert.match((await json(gone)).error, /not found/);
  });

  it('shows the chunks stored on each node, scrape by scrape, as files come and go', async () => {
    const chunks = async (n: TestNode) => {
      const text = await (await fetch(url(n, '/metrics'))).text();
      return { chunks: sumOf(text, 'p2p_chunks'), bytes: sumOf(text, 'p2p_stored_bytes') };
    };
    // Both nodes hold every file: once the chunks freed by an earlier test's delete are gone, they show the same.
    await waitFor(async () => JSON.stringify(await chunks(a)) === JSON.stringify(await chunks(b)), { description: 'both nodes to show the same chunks' });
    const [startA, startB] = [await chunks(a), await chunks(b)];
    const body = crypto.randomBytes(2 * 1024 * 1024 + 10); // three chunks
    assert.equal((await fetch(url(a, '/v1/files/gauged'), { method: 'PUT', body })).status, 200);
    assert.deepEqual(await chunks(a), { chunks: startA.chunks + 3, bytes: startA.bytes + body.length });
    await waitFor(async () => (await chunks(b)).chunks === startB.chunks + 3, { description: 'the other holder to count the chunks' });
    assert.equal((await chunks(b)).bytes, startB.bytes + body.length);
    assert.equal((await fetch(url(a, '/v1/files/gauged'), { method: 'DELETE' })).status, 200);
    for (const [n, start] of [[a, startA], [b, startB]] as const) {
      await waitFor(async () => (await chunks(n)).chunks === start.chunks, { description: `${n.name}'s freed chunks to leave its gauge` });
      assert.deepEqual(await chunks(n), start);
    }
  });

  it('counts message bytes by type, a response under the pattern of its request', async () => {
    assert.equal((await fetch(url(a, '/v1/files/counted'), { method: 'PUT', body: 'x'.repeat(5000) })).status, 200);
    const bytes = async (n: TestNode, direction: string) => {
      const m = new RegExp(`^p2p_message_bytes_total\\{type="storage.chunk.put",direction="${direction}"\\} (\\d+)`, 'm').exec(await (await fetch(url(n, '/metrics'))).text());
      return Number(m?.[1] ?? 0);
    };
    assert.ok((await bytes(a, 'out')) >= 5000, 'the coordinator sent the chunk under storage.chunk.put');
    assert.ok((await bytes(b, 'out')) > 0, "the holder's answer counts under storage.chunk.put");
    assert.ok((await bytes(a, 'in')) > 0, 'and so does the answer the coordinator received');
  });

  it('lists peers like `p2p peers --json`', async () => {
    const peers = await json(await fetch(url(a, '/v1/peers')));
    assert.deepEqual(Object.keys(peers[0]).sort(), ['address', 'incarnation', 'lastSeen', 'nodeId', 'status']);
    assert.equal(peers[0].nodeId, b.nodeId);
    assert.ok(!Number.isNaN(Date.parse(peers[0].lastSeen)));
  });

  it('asks for the bearer token when the cluster has a secret, except on health and metrics', async () => {
    assert.equal((await fetch(url(secured, '/v1/files'))).status, 401);
    assert.equal((await fetch(url(secured, '/v1/files'), { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(url(secured, '/v1/files'), { headers: { Authorization: 'Bearer tok' } })).status, 200);
    for (const open of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(url(secured, open))).status, 200, open);
  });

  it('stores a body of any content type (a form-encoded upload is not parsed)', async () => {
    const body = crypto.randomBytes(300 * 1024);
    const put = await fetch(url(a, '/v1/files/form'), { method: 'PUT', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(put.status, 200);
    assert.ok(Buffer.from(await (await fetch(url(b, '/v1/files/form'))).arrayBuffer()).equals(body));
  });

  it('rejects a bad key with 400', async () => {
    const r = await fetch(url(a, `/v1/files/${'x'.repeat(1100)}`), { method: 'PUT', body: 'x' });
    assert.equal(r.status, 400);
  });
});
