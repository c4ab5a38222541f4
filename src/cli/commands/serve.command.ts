import { Command, CommandRunner, Option } from 'nest-commander';
import { parseNodeConfig, RawOptions } from '../../config/node-config';

/**
 * Switches (flags without a value) read their variable here rather than through the option's
 * `env`: commander sets a switch on from a variable that is merely defined, so
 * P2P_INSECURE_OPEN_CLUSTER=false would have turned it on. parseNodeConfig reads the value.
 */
const SWITCH_ENV = { insecureOpenCluster: 'P2P_INSECURE_OPEN_CLUSTER', metricsRequireToken: 'P2P_METRICS_REQUIRE_TOKEN' } as const;

function switchesFromEnv(): RawOptions {
  return Object.fromEntries(Object.entries(SWITCH_ENV).map(([key, name]) => [key, process.env[name]]));
}

/**
 * `p2p serve`: run a node. Each flag also reads P2P_<FLAG>; defaults are applied by
 * parseNodeConfig (so an unset flag and an unset variable are told apart from a default).
 */
@Command({ name: 'serve', description: 'Run a storage node until SIGTERM/SIGINT (then it leaves the cluster gracefully)' })
export class ServeCommand extends CommandRunner {
  async run(_: string[], options: RawOptions): Promise<void> {
    const config = parseNodeConfig({ ...switchesFromEnv(), ...options });
    // The node's module graph (HTTP, metrics, storage) loads only for `serve`, so the other
    // commands start quickly.
    const { runNode } = await import('../../node/node-runner');
    await runNode(config);
  }

  @Option({
    flags: '--listen <host:port>',
    description: 'address the p2p listener binds (default ":3000": every interface with a cluster secret, 127.0.0.1 without)',
    env: 'P2P_LISTEN',
  })
  parseListen(v: string) {
    return v;
  }

  @Option({ flags: '--db <path>', description: 'SQLite database (default "p2p.db"); chunks go under <its folder>/blobs/', env: 'P2P_DB' })
  parseDb(v: string) {
    return v;
  }

  @Option({ flags: '--bootstrap <host:port,...>', description: 'nodes to join through (none: start a new cluster or rejoin stored peers)', env: 'P2P_BOOTSTRAP' })
  parseBootstrap(v: string) {
    return v;
  }

  @Option({ flags: '--advertise <host:port>', description: 'address other nodes dial (default: --listen, with a usable host)', env: 'P2P_ADVERTISE' })
  parseAdvertise(v: string) {
    return v;
  }

  @Option({ flags: '--replicas <n>', description: 'copies kept of every file (default 3; fewer while fewer nodes exist)', env: 'P2P_REPLICAS' })
  parseReplicas(v: string) {
    return v;
  }

  @Option({ flags: '--write-quorum <n>', description: 'holders that must confirm before a store is acknowledged (default: a majority of the replicas)', env: 'P2P_WRITE_QUORUM' })
  parseWriteQuorum(v: string) {
    return v;
  }

  @Option({ flags: '--http <host:port|off>', description: 'HTTP API, /metrics, /healthz, /readyz (default: --listen\'s host, p2p port + 10000; "off" disables)', env: 'P2P_HTTP' })
  parseHttp(v: string) {
    return v;
  }

  @Option({
    flags: '--cluster-secret <secret,...>',
    description: 'shared secret(s) nodes prove to each other; several, comma-separated, rotate one: the first is used, all are accepted (unset: open cluster)',
    env: 'P2P_CLUSTER_SECRET',
  })
  parseClusterSecret(v: string) {
    return v;
  }

  @Option({ flags: '--cluster-secret-file <path>', description: 'the cluster secrets, one per line, first used; read again on SIGHUP', env: 'P2P_CLUSTER_SECRET_FILE' })
  parseClusterSecretFile(v: string) {
    return v;
  }

  @Option({ flags: '--cluster-id <id>', description: 'name of the cluster; nodes of another cluster are refused (default "p2p-storage")', env: 'P2P_CLUSTER_ID' })
  parseClusterId(v: string) {
    return v;
  }

  @Option({
    flags: '--api-token <token,...>',
    description: 'token(s) clients prove: the CLI in its handshake, the HTTP API as a bearer token (wanted whenever set; with none, an API reachable from other hosts answers nobody)',
    env: 'P2P_API_TOKEN',
  })
  parseApiToken(v: string) {
    return v;
  }

  @Option({ flags: '--api-token-file <path>', description: 'the API tokens, one per line; read again on SIGHUP', env: 'P2P_API_TOKEN_FILE' })
  parseApiTokenFile(v: string) {
    return v;
  }

  @Option({
    flags: '--insecure-open-cluster',
    description: `with no cluster secret, still bind interfaces other hosts reach (any node that reaches them joins; logs a warning; env ${SWITCH_ENV.insecureOpenCluster}=true)`,
  })
  parseInsecureOpenCluster() {
    return 'true';
  }

  @Option({ flags: '--metrics-require-token', description: `/metrics wants the API token too (health and readiness stay open; env ${SWITCH_ENV.metricsRequireToken}=true)` })
  parseMetricsRequireToken() {
    return 'true';
  }

  @Option({ flags: '--gossip-profile <lan|local>', description: 'membership timings: lan (default) or local (fast, for tests on one machine)', env: 'P2P_GOSSIP_PROFILE' })
  parseGossipProfile(v: string) {
    return v;
  }

  @Option({
    flags: '--gossip-override <key=value,...>',
    description: 'change single membership timings of the profile, e.g. probeIntervalMs=1s,retransmitMult=5 (docs/membership.md lists them)',
    env: 'P2P_GOSSIP_OVERRIDE',
  })
  parseGossipOverride(v: string) {
    return v;
  }

  @Option({ flags: '--tombstone-ttl <duration>', description: 'how long a delete is remembered (default 7d)', env: 'P2P_TOMBSTONE_TTL' })
  parseTombstoneTtl(v: string) {
    return v;
  }

  @Option({ flags: '--repair-grace <duration>', description: 'how long a node may be dead before its files are re-replicated (default 60s)', env: 'P2P_REPAIR_GRACE' })
  parseRepairGrace(v: string) {
    return v;
  }

  @Option({ flags: '--http-idle-timeout <duration>', description: 'close an HTTP connection idle this long; no deadline for a whole request (default 120s)', env: 'P2P_HTTP_IDLE_TIMEOUT' })
  parseHttpIdleTimeout(v: string) {
    return v;
  }

  @Option({ flags: '--repair-bandwidth <size>', description: 'repair traffic limit per second, e.g. 50MiB (default 0 = unlimited)', env: 'P2P_REPAIR_BANDWIDTH' })
  parseRepairBandwidth(v: string) {
    return v;
  }

  @Option({ flags: '--chunk-size <size>', description: 'chunk size of the files this node stores, 256 to 1MiB (default 1MiB; small sizes are for tests)', env: 'P2P_CHUNK_SIZE' })
  parseChunkSize(v: string) {
    return v;
  }

  @Option({ flags: '--log-level <level>', description: 'error, warn, info (default), debug or verbose', env: 'P2P_LOG_LEVEL' })
  parseLogLevel(v: string) {
    return v;
  }

  @Option({ flags: '--log-format <text|json>', description: 'text (default) or json lines', env: 'P2P_LOG_FORMAT' })
  parseLogFormat(v: string) {
    return v;
  }

  @Option({ flags: '--s3 <host:port|off>', description: 'S3 endpoint (default: p2p port + 6000, 3000 -> 9000; starts once an access key is set; "off" disables)', env: 'P2P_S3' })
  parseS3(v: string) {
    return v;
  }

  @Option({ flags: '--s3-keys <id:secret,...>', description: 'S3 access keys of the cluster, ACCESS_KEY_ID:SECRET pairs', env: 'P2P_S3_KEYS' })
  parseS3Keys(v: string) {
    return v;
  }

  @Option({ flags: '--s3-keys-file <path>', description: 'file of S3 access keys, one ACCESS_KEY_ID:SECRET a line (re-read when it changes)', env: 'P2P_S3_KEYS_FILE' })
  parseS3KeysFile(v: string) {
    return v;
  }

  @Option({ flags: '--s3-domain <domain>', description: 'also address buckets as <bucket>.<domain> (virtual-host style)', env: 'P2P_S3_DOMAIN' })
  parseS3Domain(v: string) {
    return v;
  }

  @Option({ flags: '--s3-tls-cert <path>', description: 'PEM certificate: serve S3 over HTTPS (with --s3-tls-key)', env: 'P2P_S3_TLS_CERT' })
  parseS3TlsCert(v: string) {
    return v;
  }

  @Option({ flags: '--s3-tls-key <path>', description: 'PEM private key of --s3-tls-cert', env: 'P2P_S3_TLS_KEY' })
  parseS3TlsKey(v: string) {
    return v;
  }

  @Option({ flags: '--s3-upload-expiry <duration>', description: 'abort multipart uploads idle this long (default 24h)', env: 'P2P_S3_UPLOAD_EXPIRY' })
  parseS3UploadExpiry(v: string) {
    return v;
  }

  @Option({ flags: '--max-connections <n>', description: 'inbound p2p connections open at once (default 1024); more are closed unread', env: 'P2P_MAX_CONNECTIONS' })
  parseMaxConnections(v: string) {
    return v;
  }

  @Option({ flags: '--max-handshakes <n>', description: 'inbound p2p connections in their handshake at once (default 128)', env: 'P2P_MAX_HANDSHAKES' })
  parseMaxHandshakes(v: string) {
    return v;
  }

  @Option({ flags: '--max-handshakes-per-host <n>', description: 'of those, from one remote address (default 32)', env: 'P2P_MAX_HANDSHAKES_PER_HOST' })
  parseMaxHandshakesPerHost(v: string) {
    return v;
  }

  @Option({ flags: '--http-max-connections <n>', description: 'HTTP connections open at once (default 256); more are closed', env: 'P2P_HTTP_MAX_CONNECTIONS' })
  parseHttpMaxConnections(v: string) {
    return v;
  }
}
