/**
 * Object semantics through the AWS SDK for JavaScript v3 (its defaults: CRC32 checksums, and
 * aws-chunked bodies with a trailer for streams), against a 3-node cluster: metadata, ranges,
 * overrides, conditionals, checksums, copies, batch deletes, listing, probes and errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketLocationCommand,
  GetBucketTaggingCommand, GetBucketVersioningCommand, GetObjectAclCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListBucketsCommand, ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3_SECRET } from '../helpers/s3-cluster';
import { s3Client, s3Failure, sdkCluster } from '../helpers/s3-sdk';

const client = s3Client;
const failure = s3Failure;

const md5 = (b: Buffer | string) => crypto.createHash('md5').update(b).digest('hex');

describe('S3 objects through the AWS SDK', () => {
  const B = 'objects';
  const t = sdkCluster('sdk-objects', B);

  it('stores with metadata and serves it from every node, with ranges and overrides', async () => {
    const body = crypto.randomBytes(2 * 1024 * 1024 + 123);
    const put = await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'dir/with space+plus.bin', Body: body, ContentType: 'application/x-test', Metadata: { owner: 'ann', note: 'two words' } }));
    assert.equal(put.ETag, `"${md5(body)}"`);
    for (const x of t.s3) {
      const head = await x.send(new HeadObjectCommand({ Bucket: B, Key: 'dir/with space+plus.bin' }));
      assert.equal(head.ContentLength, body.length);
      assert.equal(head.ContentType, 'application/x-test');
      assert.deepEqual(head.Metadata, { owner: 'ann', note: 'two words' });
      assert.equal(head.ETag, `"${md5(body)}"`);
    }
    const whole = await t.s3[2].send(new GetObjectCommand({ Bucket: B, Key: 'dir/with space+plus.bin' }));
    assert.ok(Buffer.from(await whole.Body!.transformToByteArray()).equals(body));
    const part = await t.s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'dir/with space+plus.bin', Range: 'bytes=1048570-1048590', ResponseContentType: 'text/plain', ResponseContentDisposition: 'attachment' }));
    assert.equal(part.$metadata.httpStatusCode, 206);
    assert.equal(part.ContentRange, `bytes 1048570-1048590/${body.length}`);
    assert.equal(part.ContentType, 'text/plain');
    assert.equal(part.ContentDisposition, 'attachment');
    assert.ok(Buffer.from(await part.Body!.transformToByteArray()).equals(body.subarray(1048570, 1048591)));
    const tail = await t.s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'dir/with space+plus.bin', Range: 'bytes=-10' }));
    assert.ok(Buffer.from(await tail.Body!.transformToByteArray()).equals(body.subarray(body.length - 10)));
    assert.deepEqual(await failure(t.s3[0].send(new GetObjectCommand({ Bucket: B, Key: 'dir/with space+plus.bin', Range: `bytes=${body.length}-` }))), { name: 'InvalidRange', status: 416 });
  });

  it('streams a body of unknown length (aws-chunked with a checksum trailer) and checks checksums', async () => {
    const body = crypto.randomBytes(3 * 1024 * 1024 + 7);
    const stream = Readable.from([body.subarray(0, 1000), body.subarray(1000)]);
    await t.s3[1].send(new PutObjectCommand({ Bucket: B, Key: 'streamed', Body: stream, ContentLength: body.length, ChecksumAlgorithm: 'CRC32C' }));
    const got = await t.s3[0].send(new GetObjectCommand({ Bucket: B, Key: 'streamed', ChecksumMode: 'ENABLED' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
    assert.ok(got.ChecksumCRC32C, 'the CRC32C comes back with x-amz-checksum-mode: ENABLED');
    await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'sha', Body: 'abc', ChecksumAlgorithm: 'SHA256' }));
    const sha = await t.s3[2].send(new HeadObjectCommand({ Bucket: B, Key: 'sha', ChecksumMode: 'ENABLED' }));
    assert.equal(sha.ChecksumSHA256, crypto.createHash('sha256').update('abc').digest('base64'));
    const wrong = await failure(t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'bad-crc', Body: 'abc', ChecksumCRC32: 'AAAAAA==' })));
    assert.deepEqual(wrong, { name: 'BadDigest', status: 400 });
    const badMd5 = await failure(t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'bad-md5', Body: 'abc', ContentMD5: crypto.createHash('md5').update('abd').digest('base64') })));
    assert.deepEqual(badMd5, { name: 'BadDigest', status: 400 });
    assert.deepEqual(await failure(t.s3[1].send(new HeadObjectCommand({ Bucket: B, Key: 'bad-md5' }))), { name: 'NotFound', status: 404 });
  });

  it('answers conditional reads and writes', async () => {
    const put = await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'cond', Body: 'v1' }));
    // The SDK names a 304 differently for GET and HEAD: the status is what counts.
    assert.equal((await failure(t.s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'cond', IfNoneMatch: put.ETag })))).status, 304);
    assert.deepEqual(await failure(t.s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'cond', IfMatch: '"0000"' }))), { name: 'PreconditionFailed', status: 412 });
    const later = new Date(Date.now() + 60_000);
    assert.equal((await failure(t.s3[2].send(new HeadObjectCommand({ Bucket: B, Key: 'cond', IfModifiedSince: later })))).status, 304);
    assert.equal((await t.s3[2].send(new GetObjectCommand({ Bucket: B, Key: 'cond', IfMatch: put.ETag }))).$metadata.httpStatusCode, 200);
    assert.deepEqual(await failure(t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'cond', Body: 'v2', IfNoneMatch: '*' }))), { name: 'PreconditionFailed', status: 412 });
    await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'cond-new', Body: 'v1', IfNoneMatch: '*' }));
    await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'cond', Body: 'v2', IfMatch: put.ETag }));
    assert.deepEqual(await failure(t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'cond', Body: 'v3', IfMatch: put.ETag }))), { name: 'PreconditionFailed', status: 412 });
    const now = await t.s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'cond' }));
    assert.equal(await now.Body!.transformToString(), 'v2');
  });

  it('copies with COPY and REPLACE metadata, onto itself too', async () => {
    await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'src', Body: 'copy me', ContentType: 'text/x-src', Metadata: { a: '1' } }));
    await t.s3[1].send(new CopyObjectCommand({ Bucket: B, Key: 'copied', CopySource: `${B}/src` }));
    const copied = await t.s3[2].send(new HeadObjectCommand({ Bucket: B, Key: 'copied' }));
    assert.equal(copied.ContentType, 'text/x-src');
    assert.deepEqual(copied.Metadata, { a: '1' });
    assert.equal(copied.ETag, `"${md5('copy me')}"`);
    await t.s3[1].send(new CopyObjectCommand({ Bucket: B, Key: 'src', CopySource: `${B}/src`, MetadataDirective: 'REPLACE', Metadata: { mtime: '42' }, ContentType: 'text/x-new' }));
    const self = await t.s3[0].send(new GetObjectCommand({ Bucket: B, Key: 'src' }));
    assert.equal(await self.Body!.transformToString(), 'copy me');
    assert.deepEqual(self.Metadata, { mtime: '42' });
    assert.equal(self.ContentType, 'text/x-new');
    assert.deepEqual(await failure(t.s3[0].send(new CopyObjectCommand({ Bucket: B, Key: 'src', CopySource: `${B}/src` }))), { name: 'InvalidRequest', status: 400 });
    assert.deepEqual(await failure(t.s3[0].send(new CopyObjectCommand({ Bucket: B, Key: 'x', CopySource: `${B}/missing` }))), { name: 'NoSuchKey', status: 404 });
  });

  it('deletes in batches, quietly or not, and single keys whether or not they exist', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `batch/${i}`);
    await Promise.all(keys.map((k, i) => t.s3[i % 3].send(new PutObjectCommand({ Bucket: B, Key: k, Body: k }))));
    const loud = await t.s3[0].send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: keys.slice(0, 10).map((Key) => ({ Key })) } }));
    assert.equal(loud.Deleted?.length, 10);
    const quiet = await t.s3[1].send(new DeleteObjectsCommand({ Bucket: B, Delete: { Quiet: true, Objects: [...keys.slice(10), 'batch/never'].map((Key) => ({ Key })) } }));
    assert.equal(quiet.Deleted, undefined);
    assert.equal(quiet.Errors, undefined);
    const left = await t.s3[2].send(new ListObjectsV2Command({ Bucket: B, Prefix: 'batch/' }));
    assert.equal(left.KeyCount, 0);
    await t.s3[2].send(new DeleteObjectCommand({ Bucket: B, Key: 'never-existed' }));
  });

  it('lists with prefixes, delimiters and exact pages, v2 and v1', async () => {
    await t.s3[0].send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys: string[] = [];
    for (let i = 0; i < 1200; i++) keys.push(`logs/${String(i).padStart(4, '0')}.txt`);
    keys.push('a/1', 'a/2', 'b/1', 'root.txt', 'ünïcödé/x', 'z+plus and space');
    for (let i = 0; i < keys.length; i += 40) {
      await Promise.all(keys.slice(i, i + 40).map((k, j) => t.s3[j % 3].send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: 'x' }))));
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.s3[pages % 3].send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 333, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
      pages += 1;
      assert.equal(page.IsTruncated, Boolean(token));
    } while (token);
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(seen, sorted, 'every key once, in byte order');
    assert.equal(pages, Math.ceil(keys.length / 333));
    const top = await t.s3[1].send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/', 'logs/', 'ünïcödé/']);
    assert.deepEqual(top.Contents?.map((o) => o.Key), ['root.txt', 'z+plus and space']);
    const after = await t.s3[2].send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'logs/', StartAfter: 'logs/1195.txt' }));
    assert.deepEqual(after.Contents?.map((o) => o.Key), ['logs/1196.txt', 'logs/1197.txt', 'logs/1198.txt', 'logs/1199.txt']);
    const v1: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await t.s3[0].send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, Marker: marker }));
      v1.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
      if (!page.IsTruncated) break;
      marker = page.NextMarker;
    }
    assert.deepEqual(v1.sort(), ['a/', 'b/', 'logs/', 'root.txt', 'z+plus and space', 'ünïcödé/'].sort());
    const versions = await t.s3[1].send(new ListObjectVersionsCommand({ Bucket: 'listing', Prefix: 'a/' }));
    assert.deepEqual(versions.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest]), [['a/1', 'null', true], ['a/2', 'null', true]]);
  });

  it('answers the probes clients make, and NotImplemented for the rest', async () => {
    assert.ok((await t.s3[0].send(new ListBucketsCommand({}))).Buckets?.some((b) => b.Name === B));
    await t.s3[1].send(new HeadBucketCommand({ Bucket: B }));
    assert.equal((await t.s3[2].send(new GetBucketLocationCommand({ Bucket: B }))).LocationConstraint, undefined);
    assert.equal((await t.s3[0].send(new GetBucketVersioningCommand({ Bucket: B }))).Status, undefined);
    await t.s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'probe', Body: 'p' }));
    const acl = await t.s3[1].send(new GetObjectAclCommand({ Bucket: B, Key: 'probe' }));
    assert.equal(acl.Grants?.[0].Permission, 'FULL_CONTROL');
    const v = await t.s3[2].send(new GetObjectCommand({ Bucket: B, Key: 'probe', VersionId: 'null' }));
    assert.equal(await v.Body!.transformToString(), 'p');
    assert.deepEqual(await failure(t.s3[0].send(new GetBucketTaggingCommand({ Bucket: B }))), { name: 'NotImplemented', status: 501 });
  });

  it('refuses bad keys, signatures and names with S3 codes', async () => {
    assert.deepEqual(await failure(client(t.c.nodes[0].s3, 'wrong-secret-000').send(new ListBucketsCommand({}))), { name: 'SignatureDoesNotMatch', status: 403 });
    assert.deepEqual(await failure(client(t.c.nodes[0].s3, S3_SECRET, 'NOSUCHKEY000').send(new ListBucketsCommand({}))), { name: 'InvalidAccessKeyId', status: 403 });
    assert.deepEqual(await failure(t.s3[1].send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' }))), { name: 'NoSuchBucket', status: 404 });
    assert.deepEqual(await failure(t.s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'no-such-key' }))), { name: 'NoSuchKey', status: 404 });
    assert.deepEqual(await failure(t.s3[2].send(new CreateBucketCommand({ Bucket: 'Bad_Name' }))), { name: 'InvalidBucketName', status: 400 });
    assert.deepEqual(await failure(t.s3[2].send(new CreateBucketCommand({ Bucket: B }))), { name: 'BucketAlreadyOwnedByYou', status: 409 });
    assert.deepEqual(await failure(t.s3[0].send(new DeleteBucketCommand({ Bucket: B }))), { name: 'BucketNotEmpty', status: 409 });
    const anonymous = await fetch(`${t.c.nodes[0].s3}/${B}/probe`);
    assert.equal(anonymous.status, 403);
    assert.match(await anonymous.text(), /<Code>AccessDenied<\/Code>/);
  });

  it('serves presigned GET and PUT URLs, and refuses them once expired', async () => {
    const putUrl = await getSignedUrl(t.s3[0], new PutObjectCommand({ Bucket: B, Key: 'presigned/up load' }), { expiresIn: 60 });
    const up = await fetch(putUrl, { method: 'PUT', body: 'uploaded with a URL' });
    assert.equal(up.status, 200, await up.text());
    const getUrl = await getSignedUrl(t.s3[1], new GetObjectCommand({ Bucket: B, Key: 'presigned/up load' }), { expiresIn: 60 });
    const down = await fetch(getUrl);
    assert.equal(await down.text(), 'uploaded with a URL');
    const expired = await getSignedUrl(t.s3[1], new GetObjectCommand({ Bucket: B, Key: 'presigned/up load' }), { expiresIn: 1, signingDate: new Date(Date.now() - 10_000) });
    const refused = await fetch(expired);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /<Code>AccessDenied<\/Code><Message>Request has expired/);
  });

  it('counts S3 requests by operation and status, their duration and bytes, on /metrics', async () => {
    const body = crypto.randomBytes(100_000);
    await t.s3[2].send(new PutObjectCommand({ Bucket: B, Key: 'metered', Body: body }));
    const got = await t.s3[2].send(new GetObjectCommand({ Bucket: B, Key: 'metered' }));
    await got.Body!.transformToByteArray();
    await failure(t.s3[2].send(new GetObjectCommand({ Bucket: B, Key: 'metered-not-there' })));
    const text = await (await fetch(`http://${t.c.nodes[2].http}/metrics`)).text();
    const sample = (line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, (m) => `\\${m}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    assert.ok(sample('p2p_s3_requests_total{operation="PutObject",status="200"}') >= 1, text);
    assert.ok(sample('p2p_s3_requests_total{operation="GetObject",status="200"}') >= 1);
    assert.ok(sample('p2p_s3_requests_total{operation="GetObject",status="404"}') >= 1);
    assert.ok(sample('p2p_s3_request_duration_seconds_count{operation="GetObject"}') >= 2);
    assert.ok(sample('p2p_s3_bytes_total{operation="PutObject",direction="in"}') > body.length);
    assert.ok(sample('p2p_s3_bytes_total{operation="GetObject",direction="out"}') > body.length);
  });
});
