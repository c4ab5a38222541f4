/**
 * Runs a node until it is told to stop: builds the Nest application, binds the p2p listener
 * (our TCP strategy) and the HTTP side, starts gossip, logs the ready line, and on SIGTERM or
 * SIGINT leaves the cluster gracefully before closing everything.
 */
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../common/errors';
import { firstEvent } from '../common/wait';
import { createNodeLogger } from '../common/logger';
import { formatHostPort } from '../config/address';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { NodeModule } from '../node.module';
import { openDatabase } from '../peer-repository/data-source';
import { NodeMetaRepository } from '../peer-repository/node-meta.repository';
import { AntiEntropyService } from '../storage/anti-entropy.service';
import { ScrubService } from '../storage/scrub.service';
import { QuarantineService } from '../storage/quarantine.service';
import { NodeIdentity } from '../transport/node-identity';
import { TransportSecurity } from '../transport/tls/transport-security';
import { watchSecretFiles } from './secret-reload';
import { TcpTransportServer } from '../transport/tcp-transport.server';
import { TRANSPORT_OBSERVER, TransportObserver } from '../transport/transport-observer';
import { NodeStatus } from './node-status';
import { announceReadiness } from './ready-announcement';
import { bindingAs } from './node.errors';
import { wireMetrics } from './metrics-wiring';
import { PACKAGE_VERSION } from '../common/version';
import { startupMark } from '../common/startup-trace';
import { S3Server } from '../s3/s3-server';

export async function runNode(config: NodeConfig): Promise<void> {
  // Listen for SIGTERM/SIGINT before anything else: a supervisor (or a test) may signal the
  // moment it reads the ready line, and without a listener Node's default action would kill the
  // node without a graceful leave. A signal during start-up lets the start finish, then leaves.
  const stopRequested = untilSignal();
  let stopWatching = () => undefined as void;
  const logger = createNodeLogger(config.logLevel, config.logFormat);
  // No body parser: PUT /v1/files streams the raw request body whatever its content type.
  // Opened before Nest: an unusable --db is then one line naming it, at once.
  const db = await openDatabase(config.dbPath);
  startupMark('building the node');
  const app = await NestFactory.create(NodeModule.register(config, db), { logger, abortOnError: false, bodyParser: false });
  startupMark('node built (modules, database)');
  const log = new Logger('Node');
  const identity = app.get(NodeIdentity);
  const status = app.get(NodeStatus);
  const server = new TcpTransportServer({
    host: config.listen.host,
    port: config.listen.port,
    identity: () => identity.local(),
    security: app.get(TransportSecurity),
    observer: app.get<TransportObserver>(TRANSPORT_OBSERVER),
    admission: config.admission,
    onListening: (address, port) => {
      identity.setBoundPort(port);
      status.p2pAddress = address;
    },
  });
  app.connectMicroservice({ strategy: server });
  try {
    await bindingAs('listen', formatHostPort(config.listen), () => app.startAllMicroservices());
    startupMark('p2p listener bound');
    const http = await listenHttp(app, config);
    startupMark('http bound');
    const s3 = await bindingAs('s3', config.s3.listen === 'off' ? 'off' : formatHostPort(config.s3.listen), () => app.get(S3Server).start());
    const overridden = Object.entries(config.gossipOverrides);
    if (overridden.length > 0) {
      log.log(`gossip profile ${config.gossipProfile} with ${overridden.map(([k, v]) => `${k}=${v}`).join(', ')} (--gossip-override)`);
    }
    for (const warning of exposureWarnings(config, status.p2pAddress ?? identity.advertise, http)) log.warn(warning);
    if (app.get(TransportSecurity).plaintext) log.warn('P2P_BENCH_PLAINTEXT_TRANSPORT=1: connections are NOT encrypted (a benchmark-only switch)');
    log.log(`node key ${identity.fingerprint.slice(0, 16)}… (TLS 1.3 on every connection); keyring: ${identity.secrets.keyIds.join(', ') || 'none (open cluster)'}`);
    stopWatching = watchSecretFiles(config, identity, log);
    await app.get(QuarantineService).evaluateAtStart();
    await app.get(MembershipService).start();
    startupMark('membership started');
    wireMetrics(app, PACKAGE_VERSION);
    app.get(AntiEntropyService).start();
    app.get(ScrubService).start();
    await app.get(NodeMetaRepository).setAdvertise(identity.advertise);
    status.started = true;
    startupMark('ready');
    announceReadiness(log, app.get(MembershipService), `node=${identity.nodeId} p2p=${identity.advertise} http=${http} s3=${s3} listen=${status.p2pAddress}`);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  await stopRequested;
  stopWatching();
  log.log('leaving the cluster');
  status.leaving = true;
  await app.get(MembershipService).leave().catch((err) => log.warn(`leave failed: ${describeError(err)}`));
  await app.close();
  log.log('stopped');
}

/** What start-up says about who can reach this node (bind-policy.ts decided where it binds). */
function exposureWarnings(config: NodeConfig, p2p: string, http: string): string[] {
  const out: string[] = [];
  if (!config.clusterSecret && config.insecureOpenCluster) {
    out.push(`--insecure-open-cluster: no cluster secret, and listening on ${p2p} (http ${http}): any node that reaches it joins the cluster and every client may use it; set --cluster-secret instead`);
  } else if (!config.clusterSecret) {
    out.push('no cluster secret set: an open cluster, reachable from this machine only (set --cluster-secret or P2P_CLUSTER_SECRET to join nodes on other hosts)');
  }
  if (config.http !== 'off' && config.apiTokenRequired && config.apiTokens.length === 0) {
    out.push(`the HTTP API on ${http} answers no request (401) until --api-token is set: ${config.clusterSecret ? 'the cluster has a secret' : 'it is reachable from other hosts'}`);
  }
  return out;
}

async function listenHttp(app: INestApplication, config: NodeConfig): Promise<string> {
  if (config.http === 'off') {
    await app.init();
    return 'off';
  }
  const server = app.getHttpServer() as Server;
  // No deadline for a whole request (Node's default of 300 s cut uploads and downloads of large
  // files): a connection is closed instead when it sends and receives nothing for
  // --http-idle-timeout (120 s by default).
  server.requestTimeout = 0;
  server.setTimeout(config.httpIdleTimeoutMs);
  // Between requests too: Node's own 5 s would close a kept-alive connection that a proxy in
  // front may still reuse (its idle timeout is often 60 s), and it would race us to it (a 502).
  server.keepAliveTimeout = config.httpIdleTimeoutMs;
  // Beyond the cap Node closes new sockets at once (the HTTP side of the connection caps).
  server.maxConnections = config.httpMaxConnections;
  // Nest's app.listen would also log a failure to bind as an error line of its own.
  await app.init();
  const bind = config.http;
  await bindingAs('http', formatHostPort(bind), () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host || '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  }));
  const addr = server.address() as AddressInfo;
  const host = config.http.host || '127.0.0.1';
  return formatHostPort({ host: host === '0.0.0.0' ? '127.0.0.1' : host, port: addr.port });
}

function untilSignal(): Promise<void> {
  return firstEvent(process, ['SIGTERM', 'SIGINT']);
}
