/**
 * Connects what the transport reports to the node's logs and metrics: a refused handshake is
 * one warning line naming the remote and the reason, at a bounded rate (a node with the wrong
 * secret retries a few times a second, for as long as it runs; the metric counts them all),
 * and every frame is counted, with its bytes, by message type (a response under its request's
 * pattern, so that the bytes of anti-entropy or of a repair can be told apart). Message types
 * are labelled only with patterns this node knows, so a peer sending made-up patterns cannot
 * blow up the metric's cardinality.
 */
import { Logger, Provider } from '@nestjs/common';
import { RateLimitedLog } from '../common/rate-limited-log';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { describeRefusal } from '../transport/admission/admission-control';
import { MetricsService } from '../metrics/metrics.service';
import { handshakeReasonLabel } from '../transport/handshake/handshake';
import { TRANSPORT_OBSERVER, TransportObserver } from '../transport/transport-observer';
import { StoragePatterns } from '../storage/storage.types';
import { SyncPatterns } from '../storage/sync.types';

const REFUSAL_LINES_PER_MINUTE = 5;

const KNOWN = new Set<string>(['gossip.swim', ...Object.values(StoragePatterns), ...Object.values(SyncPatterns)]);

function typeLabel(pattern: string): string {
  if (pattern === '') return 'control';
  return KNOWN.has(pattern) ? pattern : 'other';
}

export const transportObserverProvider: Provider = {
  provide: TRANSPORT_OBSERVER,
  inject: [MetricsService, NODE_CONFIG],
  useFactory: (metrics: MetricsService, config: NodeConfig): TransportObserver => {
    const admission = config.admission;
    const logger = new Logger('Transport');
    // Refusals and protocol violations are what a flood is made of: their log lines are
    // rate-limited (the metrics count every one).
    const refusals = new RateLimitedLog((line) => logger.warn(line), REFUSAL_LINES_PER_MINUTE, 60_000);
    return {
      frameIn(pattern, bytes) {
        metrics.messages.inc({ type: typeLabel(pattern), direction: 'in' });
        metrics.messageBytes.inc({ type: typeLabel(pattern), direction: 'in' }, bytes);
      },
      frameOut(pattern, bytes) {
        metrics.messages.inc({ type: typeLabel(pattern), direction: 'out' });
        metrics.messageBytes.inc({ type: typeLabel(pattern), direction: 'out' }, bytes);
      },
      handshakeFailed(reason, remote) {
        metrics.handshakeFailures.inc({ reason: handshakeReasonLabel(reason) });
        refusals.note(`handshake refused from ${remote}: ${reason}`);
      },
      transportError(type, remote) {
        metrics.transportErrors.inc({ type: /^[A-Z_]{1,40}$/.test(type) ? type : 'OTHER' });
        refusals.note(`closed connection ${remote}: ${type}`);
      },
      connectionsChanged(delta) {
        metrics.connections.inc(delta);
      },
      keyInUse(keyId, delta) {
        metrics.connectionsByKey.inc({ key_id: keyId }, delta);
      },
      connectionRefused(reason, remote) {
        metrics.connectionsRefused.inc({ reason });
        refusals.note(`refused connection from ${remote}: ${describeRefusal(reason, admission)}`);
      },
    };
  },
};
