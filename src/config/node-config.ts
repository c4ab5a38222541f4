/**
 * The node's configuration, parsed once from flags (with their P2P_* environment fallbacks,
 * applied by the CLI) into a typed, validated object. Every bad value is reported in one line.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../common/errors';
import { SwimConfig, parseGossipOverrides, resolveSwimConfig } from '../gossip/gossip.presets';
import { InvalidSwimConfigError } from '../gossip/swim/swim.errors';
import { HostPort, formatHostPort, parseAddressList, parseHostPort } from './address';
import { parseDuration, parseSize } from './units';
import { DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../storage/chunker';
import { S3Options, parseS3Options } from './s3-options';
import { secretListFrom } from './secret-list';
import { applyBindPolicy, reachableFromOtherHosts } from './bind-policy';
import { PlaceholderSecretError, isPlaceholderSecret } from './config.errors';
import { AdmissionLimits, DEFAULT_ADMISSION_LIMITS } from '../transport/admission/admission-control';

export type GossipProfile = 'lan' | 'local';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';
export type LogFormat = 'text' | 'json';

export interface NodeConfig {
  /**
   * What the p2p listener binds. An empty host binds every interface; without a cluster secret
   * it is 127.0.0.1 unless --insecure-open-cluster (bind-policy.ts), as for --http and --s3.
   */
  listen: HostPort;
  /** What other nodes dial; undefined: derived from --listen (see NodeIdentityService). */
  advertise: string | undefined;
  dbPath: string;
  /** The database's folder; chunks live under `<dataDir>/blobs/`. */
  dataDir: string;
  bootstrap: string[];
  replicas: number;
  /** undefined: a majority of the replicas. */
  writeQuorum: number | undefined;
  http: HostPort | 'off';
  clusterId: string;
  /** The primary cluster secret (first of clusterSecrets); undefined: an open cluster. */
  clusterSecret: string | undefined;
  /** The keyring: the first proves, all are accepted (secret-list.ts). */
  clusterSecrets: string[];
  /** --cluster-secret-file: read again on SIGHUP. */
  clusterSecretFile: string | undefined;
  /** Every API token a client may prove (the CLI over p2p, the HTTP API). */
  apiTokens: string[];
  /** --api-token-file: read again on SIGHUP. */
  apiTokenFile: string | undefined;
  /** --insecure-open-cluster: no secret, and listeners on interfaces other hosts can reach. */
  insecureOpenCluster: boolean;
  /**
   * The HTTP API wants a bearer token even when none is set (then it answers nobody): the node
   * has a cluster secret, or the API is reachable from other hosts. A set token is always wanted.
   */
  apiTokenRequired: boolean;
  /** --metrics-require-token: /metrics wants the API token too. */
  metricsRequireToken: boolean;
  gossipProfile: GossipProfile;
  /** The profile's membership timings with --gossip-override applied. */
  gossip: SwimConfig;
  /** The settings --gossip-override changed, as given (for the start-up log). */
  gossipOverrides: Partial<SwimConfig>;
  tombstoneTtlMs: number;
  repairGraceMs: number;
  /** Bytes per second for repair traffic; 0 = unlimited. */
  repairBandwidth: number;
  /** Bytes per chunk of the files this node coordinates the store of (256 B to 1 MiB). */
  chunkSize: number;
  /** An HTTP connection that sends and receives nothing this long is closed (no whole-request deadline). */
  httpIdleTimeoutMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** The S3 endpoint (src/s3). */
  s3: S3Options;
  /** Caps on inbound p2p connections and pending handshakes. */
  admission: AdmissionLimits;
  /** Open connections the HTTP listener takes at once (Node closes the ones beyond). */
  httpMaxConnections: number;
}

/** The raw strings the serve command collected (flag value, else env var, else undefined). */
export type RawOptions = Record<string, string | undefined>;

export const SERVE_DEFAULTS = {
  listen: ':3000',
  db: 'p2p.db',
  replicas: '3',
  clusterId: 'p2p-storage',
  gossipProfile: 'lan',
  tombstoneTtl: '7d',
  repairGrace: '60s',
  repairBandwidth: '0',
  chunkSize: '1MiB',
  httpIdleTimeout: '120s',
  logLevel: 'info',
  logFormat: 'text',
  maxConnections: String(DEFAULT_ADMISSION_LIMITS.maxConnections),
  maxHandshakes: String(DEFAULT_ADMISSION_LIMITS.maxPending),
  maxHandshakesPerHost: String(DEFAULT_ADMISSION_LIMITS.maxPendingPerHost),
  httpMaxConnections: '256',
} as const;

const hostPort = (flag: string) =>
  z.string().transform((s, ctx) => {
    const hp = parseHostPort(s);
    if (!hp) ctx.addIssue({ code: 'custom', message: `--${flag} "${s}" is not host:port` });
    return hp ?? z.NEVER;
  });

const duration = (flag: string) =>
  z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `--${flag} "${s}" is not a duration (e.g. 500ms, 60s, 10m, 7d)` });
    return ms ?? z.NEVER;
  });

const positiveInt = (flag: string, max: number) =>
  z.string().transform((s, ctx) => {
    const n = Number(s);
    if (!/^\d+$/.test(s.trim()) || n < 1 || n > max) {
      ctx.addIssue({ code: 'custom', message: `--${flag} "${s}" must be a whole number from 1 to ${max}` });
    }
    return n;
  });

const oneOf = <T extends string>(flag: string, values: readonly T[]) =>
  z.string().transform((s, ctx) => {
    if (!values.includes(s as T)) ctx.addIssue({ code: 'custom', message: `--${flag} "${s}" must be one of ${values.join(', ')}` });
    return s as T;
  });

/** A switch: given alone on the command line (true), or as P2P_<FLAG>=true|false|1|0|yes|no. */
const flag = (name: string) =>
  z.union([z.boolean(), z.string()]).optional().transform((v, ctx) => {
    if (v === undefined || typeof v === 'boolean') return v ?? false;
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off', ''].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: `--${name} "${v}" must be true or false` });
    return false;
  });

const serveSchema = z.object({
  listen: hostPort('listen'),
  advertise: z.string().optional().transform((s, ctx) => {
    if (s === undefined || s === '') return undefined;
    const hp = parseHostPort(s);
    if (!hp || hp.host === '' || hp.port === 0) {
      ctx.addIssue({ code: 'custom', message: `--advertise "${s}" must be host:port with a host and a port` });
      return z.NEVER;
    }
    return formatHostPort(hp);
  }),
  db: z.string().min(1, '--db must not be empty'),
  bootstrap: z.string().optional().transform((s, ctx) => {
    if (!s) return [];
    const list = parseAddressList(s);
    if (!list) ctx.addIssue({ code: 'custom', message: `--bootstrap "${s}" must be a comma-separated list of host:port` });
    return (list ?? []).map(formatHostPort);
  }),
  replicas: positiveInt('replicas', 16),
  writeQuorum: z.string().optional().transform((s, ctx) => {
    if (s === undefined || s === '') return undefined;
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 1) ctx.addIssue({ code: 'custom', message: `--write-quorum "${s}" must be a whole number of at least 1` });
    return n;
  }),
  http: z.string().optional(),
  clusterId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '--cluster-id must be 1-64 letters, digits, dots, dashes or underscores'),
  clusterSecret: z.string().optional(),
  clusterSecretFile: z.string().optional(),
  apiToken: z.string().optional(),
  apiTokenFile: z.string().optional(),
  insecureOpenCluster: flag('insecure-open-cluster'),
  metricsRequireToken: flag('metrics-require-token'),
  gossipProfile: oneOf('gossip-profile', ['lan', 'local'] as const),
  gossipOverride: z.string().optional(),
  tombstoneTtl: duration('tombstone-ttl'),
  repairGrace: duration('repair-grace'),
  repairBandwidth: z.string().transform((s, ctx) => {
    const b = parseSize(s);
    if (b === undefined) ctx.addIssue({ code: 'custom', message: `--repair-bandwidth "${s}" is not a size per second (e.g. 50MiB, 0 = unlimited)` });
    return b ?? 0;
  }),
  chunkSize: z.string().transform((s, ctx) => {
    const b = parseSize(s);
    if (b === undefined || b < MIN_CHUNK_SIZE || b > DEFAULT_CHUNK_SIZE) ctx.addIssue({ code: 'custom', message: `--chunk-size "${s}" must be a size from 256 to 1MiB` });
    return b ?? DEFAULT_CHUNK_SIZE;
  }),
  httpIdleTimeout: duration('http-idle-timeout'),
  logLevel: oneOf('log-level', ['error', 'warn', 'info', 'debug', 'verbose'] as const),
  logFormat: oneOf('log-format', ['text', 'json'] as const),
  maxConnections: positiveInt('max-connections', 1_000_000),
  maxHandshakes: positiveInt('max-handshakes', 1_000_000),
  maxHandshakesPerHost: positiveInt('max-handshakes-per-host', 1_000_000),
  httpMaxConnections: positiveInt('http-max-connections', 1_000_000),
});

export function parseNodeConfig(raw: RawOptions): NodeConfig {
  const withDefaults = { ...SERVE_DEFAULTS, ...definedOnly(raw) };
  const parsed = serveSchema.safeParse(withDefaults);
  if (!parsed.success) throw new InvalidInputError(joinIssues(parsed.error.issues));
  const o = parsed.data;
  const problems: string[] = [];
  const http = parseHttp(o.http, o.listen, problems);
  if (o.writeQuorum !== undefined && o.writeQuorum > o.replicas) {
    problems.push(`--write-quorum ${o.writeQuorum} exceeds --replicas ${o.replicas}`);
  }
  const gossip = parseGossip(o.gossipProfile, o.gossipOverride, problems);
  const s3 = parseS3Options(withDefaults, o.listen, problems);
  const clusterSecrets = secretListFrom('cluster-secret', o.clusterSecret, o.clusterSecretFile, problems);
  const apiTokens = secretListFrom('api-token', o.apiToken, o.apiTokenFile, problems);
  if (o.metricsRequireToken && apiTokens.length === 0) problems.push('--metrics-require-token needs --api-token or --api-token-file (the token /metrics then wants)');
  if (problems.length) throw new InvalidInputError(problems.join('; '));
  const placeholders = [
    ...(clusterSecrets.some(isPlaceholderSecret) ? ['cluster-secret'] : []),
    ...(apiTokens.some(isPlaceholderSecret) ? ['api-token'] : []),
    ...(hasPlaceholderS3Key(s3.keys) ? ['s3-keys'] : []),
  ];
  if (placeholders.length > 0) throw new PlaceholderSecretError(placeholders);
  const s3Opens = Boolean(s3.keys || s3.keysFile);
  const bound = applyBindPolicy({ listen: o.listen, http, s3: s3Opens ? s3.listen : 'off' }, clusterSecrets.length === 0, o.insecureOpenCluster);
  const dbPath = path.resolve(o.db);
  return {
    listen: bound.listen,
    advertise: o.advertise,
    dbPath,
    dataDir: path.dirname(dbPath),
    bootstrap: o.bootstrap,
    replicas: o.replicas,
    writeQuorum: o.writeQuorum,
    http: bound.http,
    clusterId: o.clusterId,
    clusterSecret: clusterSecrets[0],
    clusterSecrets,
    clusterSecretFile: o.clusterSecretFile ? path.resolve(o.clusterSecretFile) : undefined,
    apiTokens,
    apiTokenFile: o.apiTokenFile ? path.resolve(o.apiTokenFile) : undefined,
    insecureOpenCluster: o.insecureOpenCluster,
    apiTokenRequired: apiTokens.length > 0 || clusterSecrets.length > 0 || reachableFromOtherHosts(bound.http),
    metricsRequireToken: o.metricsRequireToken,
    gossipProfile: o.gossipProfile,
    gossip: gossip.config,
    gossipOverrides: gossip.overrides,
    tombstoneTtlMs: o.tombstoneTtl,
    repairGraceMs: o.repairGrace,
    repairBandwidth: o.repairBandwidth,
    chunkSize: o.chunkSize,
    httpIdleTimeoutMs: o.httpIdleTimeout,
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    s3: s3Opens ? { ...s3, listen: bound.s3 } : s3,
    admission: { maxConnections: o.maxConnections, maxPending: o.maxHandshakes, maxPendingPerHost: o.maxHandshakesPerHost },
    httpMaxConnections: o.httpMaxConnections,
  };
}

/** An S3 key pair (id:secret) of which either half is a placeholder. */
function hasPlaceholderS3Key(keys: string | undefined): boolean {
  return (keys ?? '').split(/[,\s]+/).some((pair) => pair.split(':').some(isPlaceholderSecret));
}

/**
 * The write quorum in force: the flag, else a majority of the placed holders. `placed` counts
 * the holders placement picks over every known member that has not left, up or not, so a dead
 * holder is a missing confirmation; it is below --replicas only in a cluster with fewer members.
 */
export function effectiveWriteQuorum(config: Pick<NodeConfig, 'writeQuorum'>, placed: number): number {
  const majority = Math.floor(placed / 2) + 1;
  return Math.min(config.writeQuorum ?? majority, placed);
}

function parseHttp(text: string | undefined, listen: HostPort, problems: string[]): HostPort | 'off' {
  if (text === 'off') return 'off';
  if (text === undefined || text === '') {
    if (listen.port === 0) return { host: listen.host, port: 0 };
    if (listen.port + 10000 > 65535) {
      problems.push(`--http has no default for --listen port ${listen.port} (port + 10000 > 65535): set --http`);
      return 'off';
    }
    return { host: listen.host, port: listen.port + 10000 };
  }
  const hp = parseHostPort(text);
  if (!hp) problems.push(`--http "${text}" must be host:port, :port or off`);
  return hp ?? 'off';
}

function parseGossip(profile: GossipProfile, text: string | undefined, problems: string[]): { config: SwimConfig; overrides: Partial<SwimConfig> } {
  try {
    const overrides = parseGossipOverrides(text ?? '');
    return { config: resolveSwimConfig(profile, overrides), overrides };
  } catch (err) {
    if (!(err instanceof InvalidSwimConfigError)) throw err;
    problems.push(`--gossip-override: ${err.problems.join('; ')}`);
    return { config: resolveSwimConfig(profile), overrides: {} };
  }
}

function definedOnly(raw: RawOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = String(v);
  return out;
}

export function joinIssues(issues: ReadonlyArray<{ message: string }>): string {
  return issues.map((i) => i.message).join('; ');
}
