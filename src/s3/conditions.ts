/**
 * Conditional requests (RFC 7232 as S3 applies it). Reads: If-Match / If-Unmodified-Since fail
 * with 412, If-None-Match / If-Modified-Since answer 304; If-Match wins over
 * If-Unmodified-Since and If-None-Match over If-Modified-Since, as S3 documents. Writes:
 * If-None-Match: * refuses to overwrite an existing object and If-Match refuses to replace
 * any other version than the one named (412), checked before the body is read and again
 * just before the store commits.
 */
import { parseRange } from '../common/byte-range';
import { S3Error } from './s3.errors';

export interface ObjectState {
  etag: string;
  lastModified: number;
}

type Headers = (name: string) => string | undefined;

function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag || `"${tag}"` === etag;
  });
}

/** Seconds precision: Last-Modified is sent in HTTP date form. */
function notAfter(at: number, header: string | undefined): boolean | undefined {
  if (!header) return undefined;
  const t = Date.parse(header);
  if (!Number.isFinite(t)) return undefined;
  return Math.floor(at / 1000) * 1000 <= t;
}

/** 'not-modified' for a 304, or throws PreconditionFailed; undefined when the read goes on. */
export function checkReadConditions(h: Headers, state: ObjectState, prefix = ''): 'not-modified' | undefined {
  const ifMatch = h(`${prefix}if-match`);
  const ifNoneMatch = h(`${prefix}if-none-match`);
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, state.etag)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  } else if (notAfter(state.lastModified, h(`${prefix}if-unmodified-since`)) === false) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, state.etag)) {
      if (prefix) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      return 'not-modified';
    }
  } else if (notAfter(state.lastModified, h(`${prefix}if-modified-since`)) === true) {
    if (prefix) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    return 'not-modified';
  }
  return undefined;
}

/** For PUT and CompleteMultipartUpload: `current` is the object now stored, if any. */
export function checkWriteConditions(h: Headers, current: ObjectState | undefined): void {
  const ifNoneMatch = h('if-none-match');
  const ifMatch = h('if-match');
  if (ifNoneMatch !== undefined && current && etagListMatches(ifNoneMatch, current.etag)) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  if (ifMatch !== undefined) {
    if (!current) throw new S3Error('NoSuchKey', 'The specified key does not exist');
    if (!etagListMatches(ifMatch, current.etag)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
}

/** A Range header: one `bytes=a-b`, `a-` or `-n` (anything else: the whole object); past the end: InvalidRange (416). */
export function parseS3Range(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const range = parseRange(header, size);
  if (range === 'unsatisfiable') throw new S3Error('InvalidRange', 'The requested range is not satisfiable');
  return range;
}
