/**
 * What S3 keeps with an object, in the file's opaque metadata map (storage/file-meta.ts):
 *
 *   etag        the ETag without quotes: MD5 hex, or md5-of-part-md5s "-N" after multipart
 *   ct ce cd cc cl ex   Content-Type, -Encoding, -Disposition, Cache-Control, -Language, Expires
 *   u:<name>    x-amz-meta-<name> user metadata
 *   ck:<alg>    x-amz-checksum-<alg> the client sent or asked for (base64; `-N` for a
 *               multipart object's composite checksum)
 *   cy          x-amz-checksum-type of a multipart object: COMPOSITE or FULL_OBJECT
 *
 * Short names keep manifests, and every listing page that carries them, small.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FileMeta } from '../storage/file-meta';
import type { Checksums } from './body/checksums';
import { CHECKSUM_ALGORITHMS } from './body/checksums';
import { S3Error } from './s3.errors';

const STANDARD: Array<[string, string]> = [
  ['ct', 'content-type'],
  ['ce', 'content-encoding'],
  ['cd', 'content-disposition'],
  ['cc', 'cache-control'],
  ['cl', 'content-language'],
  ['ex', 'expires'],
];
/** S3's limit on user metadata (names and values, in bytes). */
const MAX_USER_META_BYTES = 2048;

/** The metadata a PUT, a CopyObject REPLACE or a CreateMultipartUpload asks for. */
export function metaFromHeaders(headers: IncomingHttpHeaders): FileMeta {
  const meta: FileMeta = {};
  for (const [short, name] of STANDARD) {
    let value = headers[name];
    if (Array.isArray(value)) value = value.join(', ');
    if (name === 'content-encoding' && value) value = value.split(',').map((s) => s.trim()).filter((s) => s && s !== 'aws-chunked').join(', ');
    if (value) meta[short] = value;
  }
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    bytes += name.length - 11 + Buffer.byteLength(text);
    meta[`u:${name.slice(11)}`] = text;
  }
  if (bytes > MAX_USER_META_BYTES) throw new S3Error('InvalidArgument', `Your metadata headers exceed the maximum allowed metadata size (${MAX_USER_META_BYTES} bytes)`);
  return meta;
}

export function withContent(meta: FileMeta, etag: string, checksums: Checksums = {}): FileMeta {
  const out: FileMeta = { ...meta, etag };
  for (const [a, v] of Object.entries(checksums)) if (v) out[`ck:${a}`] = v;
  return out;
}

/** Only what describes the content (ETag, checksums), for a CopyObject that replaces the rest. */
export function contentPart(meta: FileMeta | undefined): FileMeta {
  const out: FileMeta = {};
  for (const [k, v] of Object.entries(meta ?? {})) if (k === 'etag' || k === 'cy' || k.startsWith('ck:')) out[k] = v;
  return out;
}

/** The quoted ETag of an object; files stored without S3 get their content hash's first 32 digits. */
export function etagOf(meta: FileMeta | undefined, contentHash: string): string {
  return `"${meta?.etag ?? contentHash.slice(0, 32)}"`;
}

/** Response headers describing an object (HEAD and GET). */
export function responseHeaders(meta: FileMeta | undefined, withChecksums: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [short, name] of STANDARD) if (meta?.[short]) out[name] = meta[short];
  if (!out['content-type']) out['content-type'] = 'binary/octet-stream';
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (k.startsWith('u:')) out[`x-amz-meta-${k.slice(2)}`] = v;
  }
  if (withChecksums) {
    for (const a of CHECKSUM_ALGORITHMS) if (meta?.[`ck:${a}`]) out[`x-amz-checksum-${a}`] = meta[`ck:${a}`];
    if (CHECKSUM_ALGORITHMS.some((a) => meta?.[`ck:${a}`])) out['x-amz-checksum-type'] = meta?.cy ?? 'FULL_OBJECT';
  }
  return out;
}
