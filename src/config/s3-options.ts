/**
 * The S3 endpoint's settings (--s3 and its --s3-* companions, each with its P2P_S3_* variable).
 * --s3 defaults to the p2p port + 6000 (3000 -> 9000, the port S3 servers such as MinIO use
 * by convention); the endpoint starts only when at least one access key is configured, since
 * every S3 request must be signed.
 */
import type { HostPort } from './address';
import { parseHostPort } from './address';
import { parseDuration } from './units';

export interface S3Options {
  listen: HostPort | 'off';
  /** ACCESS_KEY_ID:SECRET pairs, comma or newline separated (--s3-keys). */
  keys: string | undefined;
  /** A file of such pairs, one a line, re-read when it changes (--s3-keys-file). */
  keysFile: string | undefined;
  /** With a domain, `bucket.<domain>` hosts address buckets too (virtual-host style). */
  domain: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Multipart uploads idle for longer than this are aborted and their parts deleted. */
  uploadExpiryMs: number;
}

export const S3_PORT_OFFSET = 6000;
export const DEFAULT_UPLOAD_EXPIRY = '24h';

export function parseS3Options(raw: Record<string, string | undefined>, listen: HostPort, problems: string[]): S3Options {
  const listenAt = parseListen(raw.s3, listen, problems);
  const domain = raw.s3Domain?.trim() || undefined;
  if (domain && !/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) problems.push(`--s3-domain "${domain}" is not a host name`);
  const tlsCert = raw.s3TlsCert || undefined;
  const tlsKey = raw.s3TlsKey || undefined;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) problems.push('--s3-tls-cert and --s3-tls-key go together');
  const expiry = parseDuration(raw.s3UploadExpiry ?? DEFAULT_UPLOAD_EXPIRY);
  if (expiry === undefined || expiry < 1000) problems.push(`--s3-upload-expiry "${raw.s3UploadExpiry}" is not a duration of at least 1s (e.g. 24h)`);
  return {
    listen: listenAt,
    keys: raw.s3Keys || undefined,
    keysFile: raw.s3KeysFile || undefined,
    domain: domain?.toLowerCase(),
    tlsCert,
    tlsKey,
    uploadExpiryMs: expiry ?? 0,
  };
}

function parseListen(text: string | undefined, listen: HostPort, problems: string[]): HostPort | 'off' {
  if (text === 'off') return 'off';
  if (text === undefined || text === '') {
    if (listen.port === 0) return { host: listen.host, port: 0 };
    if (listen.port + S3_PORT_OFFSET > 65535) {
      problems.push(`--s3 has no default for --listen port ${listen.port} (port + ${S3_PORT_OFFSET} > 65535): set --s3`);
      return 'off';
    }
    return { host: listen.host, port: listen.port + S3_PORT_OFFSET };
  }
  const hp = parseHostPort(text);
  if (!hp) problems.push(`--s3 "${text}" must be host:port, :port or off`);
  return hp ?? 'off';
}
