/**
 * Digests of an object's content, computed while it streams: MD5 always (the ETag), plus the
 * x-amz-checksum-* algorithms a client asked for (CRC32 and SHA-1/256 from Node, CRC32C from
 * @aws-crypto/crc32c). Values are base64 of the big-endian digest, as S3 sends them.
 */
import { createHash, Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type Checksums = Partial<Record<ChecksumAlgorithm, string>>;

interface Digest {
  update(data: Buffer): void;
  base64(): string;
}

function hashDigest(name: string): Digest {
  const h: Hash = createHash(name);
  return { update: (d) => h.update(d), base64: () => h.digest('base64') };
}

function uint32Base64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}

function crc32Digest(): Digest {
  let value = 0;
  return { update: (d) => (value = zlib.crc32(d, value)), base64: () => uint32Base64(value) };
}

function crc32cDigest(): Digest {
  const c = new Crc32c();
  return { update: (d) => c.update(d), base64: () => uint32Base64(c.digest()) };
}

export function newDigest(algorithm: ChecksumAlgorithm): Digest {
  switch (algorithm) {
    case 'crc32':
      return crc32Digest();
    case 'crc32c':
      return crc32cDigest();
    case 'sha1':
      return hashDigest('sha1');
    case 'sha256':
      return hashDigest('sha256');
  }
}

export function isChecksumAlgorithm(x: string): x is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(x);
}

export interface DigestResults {
  md5Hex: string;
  md5Base64: string;
  checksums: Checksums;
}

/** MD5 and the requested checksums over everything passed to update(). */
export class ContentDigests {
  private readonly md5 = createHash('md5');
  private readonly extra = new Map<ChecksumAlgorithm, Digest>();
  private results: DigestResults | undefined;
  size = 0;

  constructor(algorithms: Iterable<ChecksumAlgorithm>) {
    for (const a of algorithms) this.extra.set(a, newDigest(a));
  }

  update(data: Buffer): void {
    this.size += data.length;
    this.md5.update(data);
    for (const d of this.extra.values()) d.update(data);
  }

  digest(): DigestResults {
    if (!this.results) {
      const md5 = this.md5.digest();
      const checksums: Checksums = {};
      for (const [a, d] of this.extra) checksums[a] = d.base64();
      this.results = { md5Hex: md5.toString('hex'), md5Base64: md5.toString('base64'), checksums };
    }
    return this.results;
  }
}

/** How a multipart object's checksum is made (x-amz-checksum-type), as S3 defines them. */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/**
 * The composite checksum of a multipart object, as S3 computes it: the algorithm over the
 * concatenated raw (decoded) checksums of its parts, base64, then `-<part count>`.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): string {
  const d = newDigest(algorithm);
  d.update(Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64'))));
  return `${d.base64()}-${partChecksums.length}`;
}

/** The x-amz-checksum-* header or XML element name of an algorithm: crc32 -> CRC32. */
export function checksumName(algorithm: ChecksumAlgorithm): string {
  return algorithm.toUpperCase();
}
