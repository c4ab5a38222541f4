/**
 * Feeds MetricsService from the modules' events and state: membership changes, client
 * operations, S3 requests, anti-entropy rounds, scrub findings, and gauges computed at scrape time.
 * The composition root calls this once; the modules themselves never import prom-client.
 */
import { INestApplication } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { MEMBERSHIP_CHANGE, MembershipChange } from '../gossip/membership.types';
import { MetricsService } from '../metrics/metrics.service';
import { FileRepository } from '../peer-repository/file.repository';
import { AntiEntropyService } from '../storage/anti-entropy.service';
import { LocalReplica } from '../storage/local-replica';
import { ScrubService } from '../storage/scrub.service';
import { StorageService } from '../storage/storage.service';
import { S3Router } from '../s3/s3-router';
import { NodeIdentity } from '../transport/node-identity';
import { ReadinessService } from './readiness.service';

export function wireMetrics(app: INestApplication, version: string): void {
  const metrics = app.get(MetricsService);
  const config = app.get<NodeConfig>(NODE_CONFIG);
  const membership = app.get(MembershipService);
  metrics.setDataDir(config.dataDir);
  metrics.nodeInfo.set({ node_id: app.get(NodeIdentity).nodeId, version }, 1);

  membership.changes.on(MEMBERSHIP_CHANGE, (c: MembershipChange) => {
    const state = c.type === 'joined' || c.type === 'recovered' ? 'alive' : c.type === 'updated' ? undefined : c.type;
    if (state) metrics.peerStateChanges.inc({ state });
  });

  const storage = app.get(StorageService);
  storage.onOperation = (op, ok, seconds) => {
    metrics.operations.inc({ op, result: ok ? 'ok' : 'error' });
    metrics.operationDuration.observe({ op }, seconds);
  };

  app.get(S3Router).onRequest = ({ operation, status, seconds, bytesIn, bytesOut }) => {
    metrics.s3Requests.inc({ operation, status: String(status) });
    metrics.s3RequestDuration.observe({ operation }, seconds);
    metrics.s3Bytes.inc({ operation, direction: 'in' }, bytesIn);
    metrics.s3Bytes.inc({ operation, direction: 'out' }, bytesOut);
  };

  const antiEntropy = app.get(AntiEntropyService);
  antiEntropy.onRound = (r) => {
    if ('error' in r) {
      metrics.antiEntropyRounds.inc({ result: 'error' });
      return;
    }
    metrics.antiEntropyRounds.inc({ result: r.failed ? 'partial' : 'ok' });
    metrics.repairs.inc({ result: 'ok' }, r.pushed + r.pulled);
    if (r.failed) metrics.repairs.inc({ result: 'error' }, r.failed);
  };
  antiEntropy.onPending = (pending, underReplicated) => {
    metrics.repairQueueDepth.set(pending);
    metrics.underReplicatedKeys.set(underReplicated);
  };

  const scrub = app.get(ScrubService);
  scrub.onCorrupt = () => metrics.scrubErrors.inc();
  scrub.onRepair = (_, ok) => metrics.repairs.inc({ result: ok ? 'ok' : 'error' });
  scrub.onPass = (kind, seconds) => metrics.scrubPassDuration.observe({ kind }, seconds);

  const files = app.get(FileRepository);
  const local = app.get(LocalReplica);
  const readiness = app.get(ReadinessService);
  metrics.onCollect(async () => {
    const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
    for (const m of membership.list()) counts[m.status] += 1;
    for (const [state, n] of Object.entries(counts)) metrics.members.set({ state }, n);
    metrics.files.set(await files.count());
    // Kept by the chunk store's own writes and deletes (chunk-tally.ts): a scrape counts one folder, not the store.
    const s = await local.chunks.stats();
    metrics.chunks.set(s.chunks);
    metrics.storedBytes.set(s.bytes);
    metrics.ready.set((await readiness.check()).ready ? 1 : 0);
  });
}
