/**
 * Multipart uploads through the AWS SDK for JavaScript v3 (which sends part ETags XML-escaped
 * as &quot;): the md5-of-md5s-N ETag, a part uploaded again replacing the first, the 5 MiB
 * minimum, UploadPartCopy with a range, ListParts, ListMultipartUploads, Abort, the sweep
 * of abandoned uploads, and checksums (per part, composite, full object).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import * as zlib from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CompletedPart, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { S3_KEY_ID, S3_SECRET, S3Cluster, startS3Cluster } from '../helpers/s3-cluster';
import { waitFor } from '../helpers/wait-for';

const MiB = 1024 * 1024;

function uint32Base64(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
}
const crc32Base64 = (b: Buffer) => uint32Base64(zlib.crc32(b));
const crc32cBase64 = (b: Buffer) => uint32Base64(new Crc32c().update(b).digest());

type SummedAlgorithm = 'CRC32' | 'CRC32C';
/** The checksum of `algorithm` and its type, as a response names them. */
const summed = (r: { ChecksumCRC32?: string; ChecksumCRC32C?: string; ChecksumType?: string }, algorithm: SummedAlgorithm) => ({ sum: r[`Checksum${algorithm}`], type: r.ChecksumType });

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err.name;
    throw err;
  }
  assert.fail('the request succeeded');
}

describe('S3 multipart uploads through the AWS SDK', () => {
  let c: S3Cluster;
  let s3: S3Client[];
  const B = 'multi';

  before(async () => {
    // A short expiry so that the sweep of abandoned uploads can be seen.
    // An expiry short enough for the sweep to be seen, long enough that no step of the other
    // cases (a 5 MiB part on a loaded machine) leaves an upload idle for it.
    c = await startS3Cluster('sdk-multipart', 3, { args: ['--s3-upload-expiry', '8s'] });
    s3 = c.nodes.map((n) => new S3Client({ endpoint: n.s3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET } }));
    await s3[0].send(new CreateBucketCommand({ Bucket: B }));
  });
  after(async () => {
    s3?.forEach((x) => x.destroy());
    await c.harness.stopAll();
  });

  /** An upload of `key` asking for `algorithm` checksums, its parts sent through each node in turn, each with its checksum. */
  async function uploadSummed(key: string, algorithm: SummedAlgorithm, parts: Buffer[], type?: 'FULL_OBJECT') {
    const created = await s3[0].send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type }));
    assert.deepEqual([created.ChecksumAlgorithm, created.ChecksumType], [algorithm, type ?? 'COMPOSITE']);
    const sent: CompletedPart[] = [];
    for (const [i, body] of parts.entries()) {
      const up = await s3[i % 3].send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: algorithm }));
      sent.push({ ETag: up.ETag, PartNumber: i + 1, [`Checksum${algorithm}`]: up[`Checksum${algorithm}`] });
    }
    return { UploadId: created.UploadId, sent };
  }
  const completeUpload = (key: string, UploadId: string | undefined, Parts: CompletedPart[], via = 2) =>
    s3[via].send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts } }));

  it('completes with the md5-of-md5s ETag; a part sent again replaces the first', async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB + 1), crypto.randomBytes(1234)];
    const { UploadId } = await s3[0].send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'assembled', ContentType: 'application/x-parts', Metadata: { m: '1' } }));
    const first = await s3[1].send(new UploadPartCommand({ Bucket: B, Key: 'assembled', UploadId, PartNumber: 2, Body: crypto.randomBytes(5 * MiB) }));
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) etags.push((await s3[i % 3].send(new UploadPartCommand({ Bucket: B, Key: 'assembled', UploadId, PartNumber: i + 1, Body: body }))).ETag!);
    assert.notEqual(first.ETag, etags[1]);
    const listed = await s3[2].send(new ListPartsCommand({ Bucket: B, Key: 'assembled', UploadId }));
    assert.deepEqual(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]), parts.map((p, i) => [i + 1, etags[i], p.length]));
    const uploads = await s3[1].send(new ListMultipartUploadsCommand({ Bucket: B }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === UploadId && u.Key === 'assembled'));
    const done = await completeUpload('assembled', UploadId, etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })), 1);
    const md5s = Buffer.concat(parts.map((p) => crypto.createHash('md5').update(p).digest()));
    assert.equal(done.ETag, `"${crypto.createHash('md5').update(md5s).digest('hex')}-3"`);
    const got = await s3[2].send(new GetObjectCommand({ Bucket: B, Key: 'assembled' }));
    assert.equal(got.ContentType, 'application/x-parts');
    assert.deepEqual(got.Metadata, { m: '1' });
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts)));
    assert.equal(await failure(s3[0].send(new ListPartsCommand({ Bucket: B, Key: 'assembled', UploadId }))), 'NoSuchUpload');
  });

  it('refuses parts under 5 MiB but the last, parts out of order and unknown parts', async () => {
    const { UploadId } = await s3[0].send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'small-parts' }));
    const a = await s3[0].send(new UploadPartCommand({ Bucket: B, Key: 'small-parts', UploadId, PartNumber: 1, Body: Buffer.alloc(MiB) }));
    const b = await s3[0].send(new UploadPartCommand({ Bucket: B, Key: 'small-parts', UploadId, PartNumber: 2, Body: Buffer.alloc(10) }));
    const complete = (Parts: CompletedPart[]) => completeUpload('small-parts', UploadId, Parts, 1);
    assert.equal(await failure(complete([{ ETag: a.ETag, PartNumber: 1 }, { ETag: b.ETag, PartNumber: 2 }])), 'EntityTooSmall');
    assert.equal(await failure(complete([{ ETag: b.ETag, PartNumber: 2 }, { ETag: a.ETag, PartNumber: 1 }])), 'InvalidPartOrder');
    assert.equal(await failure(complete([{ ETag: '"00000000000000000000000000000000"', PartNumber: 1 }])), 'InvalidPart');
    await s3[2].send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'small-parts', UploadId }));
    assert.equal(await failure(s3[0].send(new UploadPartCommand({ Bucket: B, Key: 'small-parts', UploadId, PartNumber: 3, Body: 'x' }))), 'NoSuchUpload');
    assert.equal(await failure(s3[0].send(new HeadObjectCommand({ Bucket: B, Key: 'small-parts' }))), 'NotFound');
  });

  it('copies a range of an object into a part', async () => {
    const source = crypto.randomBytes(7 * MiB);
    await s3[0].send(new PutObjectCommand({ Bucket: B, Key: 'copy-source', Body: source }));
    const { UploadId } = await s3[1].send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'copied-parts' }));
    const p1 = await s3[1].send(new UploadPartCopyCommand({ Bucket: B, Key: 'copied-parts', UploadId, PartNumber: 1, CopySource: `${B}/copy-source`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    const p2 = await s3[1].send(new UploadPartCopyCommand({ Bucket: B, Key: 'copied-parts', UploadId, PartNumber: 2, CopySource: `${B}/copy-source`, CopySourceRange: `bytes=${5 * MiB}-${7 * MiB - 1}` }));
    await completeUpload('copied-parts', UploadId, [{ ETag: p1.CopyPartResult!.ETag, PartNumber: 1 }, { ETag: p2.CopyPartResult!.ETag, PartNumber: 2 }]);
    const got = await s3[0].send(new GetObjectCommand({ Bucket: B, Key: 'copied-parts' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(source));
  });

  it('keeps part checksums and answers the composite checksum on Complete, ListParts and with checksum mode', async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(4321)];
    const { UploadId, sent } = await uploadSummed('summed', 'CRC32', parts);
    assert.deepEqual(sent.map((p) => p.ChecksumCRC32), parts.map(crc32Base64));
    const listed = await s3[1].send(new ListPartsCommand({ Bucket: B, Key: 'summed', UploadId }));
    assert.deepEqual(listed.Parts?.map((p) => p.ChecksumCRC32), sent.map((p) => p.ChecksumCRC32));
    const composite = { sum: `${crc32Base64(Buffer.concat(sent.map((p) => Buffer.from(p.ChecksumCRC32!, 'base64'))))}-2`, type: 'COMPOSITE' };
    assert.deepEqual(summed(await completeUpload('summed', UploadId, sent), 'CRC32'), composite);
    assert.deepEqual(summed(await s3[0].send(new HeadObjectCommand({ Bucket: B, Key: 'summed', ChecksumMode: 'ENABLED' })), 'CRC32'), composite);
    const got = await s3[1].send(new GetObjectCommand({ Bucket: B, Key: 'summed', ChecksumMode: 'ENABLED' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts)));
    assert.equal(got.ChecksumCRC32, composite.sum);

    // A Complete naming a part with another checksum than the one stored is refused.
    const again = await uploadSummed('summed-wrong', 'CRC32', [parts[1]]);
    const wrong = { ...again.sent[0], ChecksumCRC32: crc32Base64(Buffer.from('something else')) };
    assert.equal(await failure(completeUpload('summed-wrong', again.UploadId, [wrong], 0)), 'InvalidPart');
  });

  it('answers a full-object CRC32C when the upload asks for one', async () => {
    const parts = [crypto.randomBytes(5 * MiB + 3), crypto.randomBytes(777)];
    const { UploadId, sent } = await uploadSummed('whole-sum', 'CRC32C', parts, 'FULL_OBJECT');
    const whole = { sum: crc32cBase64(Buffer.concat(parts)), type: 'FULL_OBJECT' };
    assert.deepEqual(summed(await completeUpload('whole-sum', UploadId, sent, 0), 'CRC32C'), whole);
    assert.deepEqual(summed(await s3[2].send(new HeadObjectCommand({ Bucket: B, Key: 'whole-sum', ChecksumMode: 'ENABLED' })), 'CRC32C'), whole);
  });

  it('keeps an upload that goes on taking parts past --s3-upload-expiry: only idle ones are aborted', async () => {
    const { UploadId } = await s3[0].send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'slow-but-alive' }));
    // A part a second for 12 s, through each node in turn: past the 8 s expiry since the upload
    // began, never idle for it.
    const startedAt = Date.now();
    let sent = 0;
    while (Date.now() - startedAt < 12_000) {
      sent += 1;
      await s3[sent % 3].send(new UploadPartCommand({ Bucket: B, Key: 'slow-but-alive', UploadId, PartNumber: sent, Body: `part ${sent}` }));
      await delay(1_000);
    }
    const listed = await s3[1].send(new ListPartsCommand({ Bucket: B, Key: 'slow-but-alive', UploadId }));
    assert.deepEqual(listed.Parts?.map((p) => p.PartNumber), Array.from({ length: sent }, (_, i) => i + 1), 'the upload and every part it took are still there');
    await s3[2].send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'slow-but-alive', UploadId }));
  });

  it('aborts uploads left idle past --s3-upload-expiry', async () => {
    const { UploadId } = await s3[0].send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'abandoned' }));
    await s3[0].send(new UploadPartCommand({ Bucket: B, Key: 'abandoned', UploadId, PartNumber: 1, Body: 'left behind' }));
    await waitFor(async () => !(await s3[1].send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads?.some((u) => u.UploadId === UploadId), { timeoutMs: 30_000, intervalMs: 250, description: 'the abandoned upload to be swept' });
    // The listing hides the upload as soon as one member holds the sweep's delete of its record;
    // a read of the record (ListParts) sees the delete once it is acknowledged, a moment later.
    // Neither is promised before the sweep's delete is acknowledged, so wait for the read too.
    await waitFor(async () => (await failure(s3[2].send(new ListPartsCommand({ Bucket: B, Key: 'abandoned', UploadId }))).catch(() => 'listed')) === 'NoSuchUpload', {
      timeoutMs: 10_000,
      intervalMs: 250,
      description: 'ListParts through another node to answer NoSuchUpload',
    });
  });
});
