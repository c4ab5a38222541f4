/**
 * Every metric a node exports, defined in this one file, on the node's own registry (not
 * prom-client's global one). Names follow Prometheus conventions: base units (seconds,
 * bytes), `_total` on counters. Gauges that describe state the node can compute are filled
 * by collect callbacks registered with `onCollect`, so a scrape always reads current values.
 */
import { statfs } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly collectors: Array<() => Promise<void> | void> = [];
  private dataDir: string | undefined;

  readonly members = new Gauge({ name: 'p2p_members', help: 'Cluster members known to this node, by state (itself excluded)', labelNames: ['state'], registers: [this.registry] });
  readonly messages = new Counter({ name: 'p2p_messages_total', help: 'Frames sent and received, by message type (a response counts under its request)', labelNames: ['type', 'direction'], registers: [this.registry] });
  readonly messageBytes = new Counter({ name: 'p2p_message_bytes_total', help: 'Bytes of frames sent and received, by message type (a response counts under its request)', labelNames: ['type', 'direction'], registers: [this.registry] });
  readonly handshakeFailures = new Counter({ name: 'p2p_handshake_failures_total', help: 'Connections refused in the handshake, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly transportErrors = new Counter({ name: 'p2p_transport_errors_total', help: 'Connections closed for a protocol violation, by type', labelNames: ['type'], registers: [this.registry] });
  readonly connectionsRefused = new Counter({ name: 'p2p_connections_refused_total', help: 'Inbound p2p sockets closed unread because a connection or handshake cap was reached, by cap', labelNames: ['reason'], registers: [this.registry] });
  readonly connections = new Gauge({ name: 'p2p_connections', help: 'Open p2p connections (both directions)', registers: [this.registry] });
  readonly connectionsByKey = new Gauge({
    name: 'p2p_connections_by_key',
    help: 'Authenticated p2p connections by the keyring entry they were admitted with (key_id "none": open cluster or no API token)',
    labelNames: ['key_id'],
    registers: [this.registry],
  });
  readonly operations = new Counter({ name: 'p2p_operations_total', help: 'Client operations handled by this node as coordinator', labelNames: ['op', 'result'], registers: [this.registry] });
  readonly operationDuration = new Histogram({
    name: 'p2p_operation_duration_seconds',
    help: 'Duration of client operations coordinated by this node',
    labelNames: ['op'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly httpDownloads = new Gauge({ name: 'p2p_http_downloads_in_progress', help: 'File bodies being sent over the HTTP API (GET) right now', registers: [this.registry] });
  readonly s3Requests = new Counter({ name: 'p2p_s3_requests_total', help: 'S3 requests answered by this node, by operation (PutObject, GetObject, ...) and HTTP status', labelNames: ['operation', 'status'], registers: [this.registry] });
  readonly s3RequestDuration = new Histogram({
    name: 'p2p_s3_request_duration_seconds',
    help: 'Duration of S3 requests, from arrival to the last byte of the response, by operation',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly s3Bytes = new Counter({ name: 'p2p_s3_bytes_total', help: 'Bytes S3 connections carried (headers included), by operation and direction (in: from the client)', labelNames: ['operation', 'direction'], registers: [this.registry] });
  readonly storedBytes = new Gauge({ name: 'p2p_stored_bytes', help: 'Bytes of chunk data on this node', registers: [this.registry] });
  readonly chunks = new Gauge({ name: 'p2p_chunks', help: 'Chunks stored on this node', registers: [this.registry] });
  readonly files = new Gauge({ name: 'p2p_files', help: 'File manifests held by this node', registers: [this.registry] });
  readonly underReplicatedKeys = new Gauge({ name: 'p2p_under_replicated_keys', help: 'Keys held here whose placed holders do not all have the current version (from the last anti-entropy rounds)', registers: [this.registry] });
  readonly repairQueueDepth = new Gauge({ name: 'p2p_repair_queue_depth', help: 'Repairs found but not yet done', registers: [this.registry] });
  readonly repairs = new Counter({ name: 'p2p_repairs_total', help: 'Repairs (copies pushed, pulled or restored), by result', labelNames: ['result'], registers: [this.registry] });
  readonly scrubPassDuration = new Histogram({
    name: 'p2p_scrub_pass_duration_seconds',
    help: 'Duration of scrub passes (each re-hashes a few chunks and takes one bounded step of the orphan sweep), by kind',
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  readonly scrubErrors = new Counter({ name: 'p2p_scrub_errors_total', help: 'Stored chunks found damaged by the scrubber or a read', registers: [this.registry] });
  readonly antiEntropyRounds = new Counter({ name: 'p2p_anti_entropy_rounds_total', help: 'Anti-entropy rounds, by result', labelNames: ['result'], registers: [this.registry] });
  readonly peerStateChanges = new Counter({ name: 'p2p_peer_state_changes_total', help: 'Membership state changes seen, by new state', labelNames: ['state'], registers: [this.registry] });
  readonly diskFree = new Gauge({ name: 'p2p_disk_free_bytes', help: 'Free bytes on the data folder filesystem', registers: [this.registry] });
  readonly diskTotal = new Gauge({ name: 'p2p_disk_total_bytes', help: 'Size of the data folder filesystem', registers: [this.registry] });
  readonly nodeInfo = new Gauge({ name: 'p2p_node_info', help: 'Identity of this node (value 1)', labelNames: ['node_id', 'version'], registers: [this.registry] });
  readonly ready = new Gauge({ name: 'p2p_ready', help: '1 when /readyz answers ready', registers: [this.registry] });

  constructor() {
    // Event-loop lag sampled every 50 ms rather than prom-client's 10: a scrape only needs its
    // percentiles, and each sample wakes an otherwise idle node.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 50 });
    this.onCollect(() => this.collectDisk());
  }

  /** Registers a callback run before every scrape. */
  onCollect(fn: () => Promise<void> | void): void {
    this.collectors.push(fn);
  }

  setDataDir(dir: string): void {
    this.dataDir = dir;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async metrics(): Promise<string> {
    await Promise.allSettled(this.collectors.map((fn) => fn()));
    return this.registry.metrics();
  }

  private async collectDisk(): Promise<void> {
    if (!this.dataDir) return;
    const s = await statfs(this.dataDir);
    this.diskFree.set(s.bavail * s.bsize);
    this.diskTotal.set(s.blocks * s.bsize);
  }
}
