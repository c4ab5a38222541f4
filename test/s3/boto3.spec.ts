/**
 * boto3 (Debian's python3-boto3, and a newer one on PATH if there is one) against a 3-node
 * cluster over HTTP and over HTTPS: newer botocore sends every PutObject over HTTPS as
 * aws-chunked with a CRC32 trailer. The script (clients/boto3_client.py) does put/get/head,
 * copy/delete, a multipart upload, a paginated listing and presigned PUT and GET.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli-runner';
import { S3Cluster, run, startS3Cluster } from '../helpers/s3-cluster';
import { selfSignedCertificate } from '../helpers/tls-cert';

const SCRIPT = path.join(PROJECT_ROOT, 'test', 's3', 'clients', 'boto3_client.py');

async function pythonsWithBoto3(): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = await run(candidate, ['-c', 'import boto3, sys; print(sys.executable, boto3.__version__)'], process.env);
    const exe = probe.stdout.split(' ')[0];
    if (probe.code === 0 && !seen.has(probe.stdout.trim())) {
      seen.add(probe.stdout.trim());
      found.push(exe);
    }
  }
  return found;
}

describe('boto3 against the S3 endpoint', () => {
  let plain: S3Cluster;
  let tls: S3Cluster;
  let ca: string;
  let pythons: string[] = [];

  before(async () => {
    pythons = await pythonsWithBoto3();
    plain = await startS3Cluster('boto3');
    const cert = selfSignedCertificate(plain.dir);
    ca = cert.cert;
    tls = await startS3Cluster('boto3-tls', 3, { args: ['--s3-tls-cert', cert.cert, '--s3-tls-key', cert.key] });
  });
  after(async () => {
    await plain?.harness.stopAll();
    await tls?.harness.stopAll();
  });

  it('finds boto3', () => {
    assert.ok(pythons.length > 0, 'python3-boto3 is installed (scripts/ci-packaging.sh installs it)');
  });

  it('works over HTTP', async () => {
    for (const [i, py] of pythons.entries()) {
      const r = await run(py, [SCRIPT, plain.nodes[i % 3].s3, `http-${i}`], plain.env, { timeoutMs: 180_000 });
      assert.equal(r.code, 0, `${py}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout).done, ['put/get/head', 'copy/delete', 'multipart', 'paginated list', 'presigned put/get']);
    }
  });

  it('works over HTTPS, where newer botocore sends aws-chunked bodies with a checksum trailer', async () => {
    assert.match(tls.nodes[0].s3, /^https:\/\//);
    for (const [i, py] of pythons.entries()) {
      const r = await run(py, [SCRIPT, tls.nodes[(i + 1) % 3].s3, `https-${i}`, ca], tls.env, { timeoutMs: 180_000 });
      assert.equal(r.code, 0, `${py}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).done.length, 5);
    }
    assert.ok(fs.existsSync(ca));
  });
});
