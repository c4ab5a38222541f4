/**
 * npm run bench:s3 : 3 local nodes (--replicas 3), one run, printing figures:
 *  1. a 1 GiB PUT and GET through S3 (one client, UNSIGNED-PAYLOAD, streamed) against the same
 *     through the native REST API (PUT/GET /v1/files/:key), both through node 0;
 *  2. 10,000 objects of 4 KiB, PUT then GET with 16 concurrent clients, in ops/s, against plain
 *     Node http serving a 4 KiB buffer to 16 concurrent clients in the same run;
 *  3. ListObjectsV2 over those 10,000 keys in pages of 1,000 (time of each page).
 * Requests are signed here with SigV4 (the client's cost, not the server's).
 *   node dist/bench/s3.js [MiB] [objects]   (defaults 1024 and 10000)
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { NodeHarness, waitForMesh } from '../test/helpers/node-harness';
import { canonicalRequest, deriveSigningKey, headerValues, hmac, stringToSign, uriEncode } from '../src/s3/auth/canonical';

const MiB = 1024 * 1024;
const KEY_ID = 'BENCHKEY0000000001';
const SECRET = 'bench-secret-0123456789';
const CONCURRENCY = 16;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function makeFile(file: string, mib: number): void {
  const fd = fs.openSync(file, 'w');
  const block = crypto.randomBytes(MiB);
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0);
    fs.writeSync(fd, block);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

/** SigV4 headers for a request whose payload is not signed (what rclone sends on PUT). */
function sign(method: string, host: string, rawPath: string, query: Array<[string, string]> = []): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers: Record<string, string> = { host, 'x-amz-date': amzDate, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const signed = Object.keys(headers).sort();
  const canonical = canonicalRequest({ method, rawPath, query, headers: headerValues(Object.entries(headers).flat()), signedHeaders: signed, payloadHash: 'UNSIGNED-PAYLOAD' });
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signature = hmac(deriveSigningKey(SECRET, amzDate.slice(0, 8), 'us-east-1', 's3'), stringToSign(amzDate, scope, canonical)).toString('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${KEY_ID}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return headers;
}

interface Reply {
  status: number;
  bytes: number;
  body: string;
}

function request(url: URL, method: string, headers: Record<string, string>, body?: fs.ReadStream | Buffer, keepBody = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let bytes = 0;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (keepBody) parts.push(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof fs.ReadStream) body.pipe(req);
    else req.end(body);
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** Runs `count` operations with CONCURRENCY workers; returns ops/s. */
async function concurrently(count: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const { ms } = await timed(() => Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < count; i = next++) await op(i);
  })));
  return count / (ms / 1000);
}

function check(r: Reply, what: string, status = 200): void {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 1024);
  const objects = Number(process.argv[3] ?? 10_000);
  const harness = new NodeHarness();
  const dir = harness.dir('bench-s3');
  try {
    const nodes = await harness.chain(3, { args: ['--s3-keys', `${KEY_ID}:${SECRET}`] });
    await waitForMesh(nodes);
    const s3 = new URL(nodes[0].s3);
    const host = s3.host;
    const file = path.join(dir, 'big.bin');
    makeFile(file, mib);
    console.log(`bench:s3  3 nodes, --replicas 3, node ${process.version}; ${mib} MiB file; ${objects} objects of 4 KiB; ${CONCURRENCY} clients`);

    // 1. Large object: native REST vs S3, PUT then GET, through node 0.
    const nativePut = await timed(() => request(new URL(`http://${nodes[0].http}/v1/files/bench-native`), 'PUT', { 'content-length': String(mib * MiB) }, fs.createReadStream(file, { highWaterMark: MiB })));
    check(nativePut.value, 'native PUT');
    const nativeGet = await timed(() => request(new URL(`http://${nodes[0].http}/v1/files/bench-native`), 'GET', {}));
    check(nativeGet.value, 'native GET');
    check(await request(new URL(`${s3.origin}/bench`), 'PUT', sign('PUT', host, '/bench')), 'CreateBucket');
    const s3Put = await timed(() => request(new URL(`${s3.origin}/bench/big.bin`), 'PUT', { ...sign('PUT', host, '/bench/big.bin'), 'content-length': String(mib * MiB) }, fs.createReadStream(file, { highWaterMark: MiB })));
    check(s3Put.value, 'S3 PUT');
    const s3Get = await timed(() => request(new URL(`${s3.origin}/bench/big.bin`), 'GET', sign('GET', host, '/bench/big.bin')));
    check(s3Get.value, 'S3 GET');
    if (s3Get.value.bytes !== mib * MiB || nativeGet.value.bytes !== mib * MiB) throw new Error('a GET returned the wrong length');
    const rate = (ms: number) => (mib / (ms / 1000)).toFixed(1);
    console.log(`${mib} MiB PUT  native ${rate(nativePut.ms)} MiB/s   S3 ${rate(s3Put.ms)} MiB/s   ratio ${(nativePut.ms / s3Put.ms).toFixed(2)} (target >= 0.8)`);
    console.log(`${mib} MiB GET  native ${rate(nativeGet.ms)} MiB/s   S3 ${rate(s3Get.ms)} MiB/s   ratio ${(nativeGet.ms / s3Get.ms).toFixed(2)} (target >= 0.8)`);

    // 2. Small objects through S3, and plain Node http serving 4 KiB in the same run.
    const small = crypto.randomBytes(4096);
    const keyOf = (i: number) => `small/${String(i).padStart(6, '0')}`;
    const putOps = await concurrently(objects, async (i) => {
      const p = `/bench/${uriEncode(keyOf(i), true)}`;
      check(await request(new URL(s3.origin + p), 'PUT', { ...sign('PUT', host, p), 'content-length': '4096' }, small), 'small PUT');
    });
    const getOps = await concurrently(objects, async (i) => {
      const p = `/bench/${uriEncode(keyOf(i), true)}`;
      const r = await request(new URL(s3.origin + p), 'GET', sign('GET', host, p));
      check(r, 'small GET');
      if (r.bytes !== 4096) throw new Error('small GET returned the wrong length');
    });
    const plain = http.createServer((_, res) => res.end(small));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainUrl = new URL(`http://127.0.0.1:${(plain.address() as { port: number }).port}/x`);
    const plainOps = await concurrently(objects, async () => {
      check(await request(plainUrl, 'GET', {}), 'plain GET');
    });
    plain.close();
    console.log(`4 KiB PUT  S3 ${putOps.toFixed(0)} ops/s`);
    console.log(`4 KiB GET  S3 ${getOps.toFixed(0)} ops/s   plain node http ${plainOps.toFixed(0)} ops/s   ratio ${(getOps / plainOps).toFixed(2)} (target >= 0.3)`);

    // 3. ListObjectsV2 over the small objects, pages of 1,000, through node 1.
    const lister = new URL(nodes[1].s3);
    const pages: number[] = [];
    let token: string | undefined;
    let listed = 0;
    do {
      const query: Array<[string, string]> = [['list-type', '2'], ['max-keys', '1000'], ['prefix', 'small/']];
      if (token) query.push(['continuation-token', token]);
      const qs = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
      const page = await timed(() => request(new URL(`${lister.origin}/bench?${qs}`), 'GET', sign('GET', lister.host, '/bench', query), undefined, true));
      check(page.value, 'ListObjectsV2');
      pages.push(page.ms);
      listed += (page.value.body.match(/<Key>/g) ?? []).length;
      token = /<NextContinuationToken>([^<]+)</.exec(page.value.body)?.[1];
    } while (token);
    if (listed !== objects) throw new Error(`listing returned ${listed} keys, expected ${objects}`);
    const sorted = [...pages].sort((a, b) => a - b);
    console.log(`ListObjectsV2  ${pages.length} pages of 1000: median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms (target < 100 ms)`);
  } finally {
    agent.destroy();
    await harness.stopAll();
  }
}

main().catch((err) => {
  console.error(`bench:s3 failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
