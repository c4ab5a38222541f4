/**
 * The canonical request of AWS Signature Version 4, as S3 defines it, rebuilt from what came
 * on the wire: the raw path and query (never a decoded-and-normalised form: S3 keys may hold
 * "//", "..", "+" and "%2F", and the signature covers them as sent), and every value of each
 * signed header (a header sent twice is joined with ",").
 */
import { createHash, createHmac } from 'node:crypto';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 encoding as SigV4 wants it: every byte but the unreserved ones, upper-case hex. */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch) || (keepSlash && ch === '/')) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent-decoding that leaves a malformed escape as it is instead of throwing. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%([0-9A-Fa-f]{2})/g, (m, h: string) => (parseInt(h, 16) < 0x80 ? String.fromCharCode(parseInt(h, 16)) : m));
  }
}

/** The canonical URI: each raw path segment decoded once and encoded again ("/" between). */
export function canonicalUri(rawPath: string): string {
  return rawPath.split('/').map((segment) => uriEncode(safeDecode(segment))).join('/') || '/';
}

/** Query parameters as sent, decoded; "+" is a plus sign, as S3 reads it. */
export function parseRawQuery(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, eq)), safeDecode(p.slice(eq + 1))];
    });
}

export function canonicalQuery(params: Array<[string, string]>, exclude?: string): string {
  return params
    .filter(([name]) => name !== exclude)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Every value of each header, by lower-case name, from Node's rawHeaders list. */
export function headerValues(rawHeaders: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const list = out.get(name);
    if (list) list.push(rawHeaders[i + 1]);
    else out.set(name, [rawHeaders[i + 1]]);
  }
  return out;
}

export function canonicalHeaders(headers: Map<string, string[]>, signed: string[]): string {
  return signed.map((name) => `${name}:${(headers.get(name) ?? []).map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`).join('');
}

export interface CanonicalParts {
  method: string;
  rawPath: string;
  query: Array<[string, string]>;
  /** Left out of the canonical query (X-Amz-Signature of a presigned URL). */
  excludeParam?: string;
  headers: Map<string, string[]>;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalParts): string {
  return [
    p.method,
    canonicalUri(p.rawPath),
    canonicalQuery(p.query, p.excludeParam),
    canonicalHeaders(p.headers, p.signedHeaders),
    p.signedHeaders.join(';'),
    p.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** kSigning = HMAC chain over date, region, service and "aws4_request". */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}
