import type { RefusalReason } from './admission/admission-control';

/**
 * What the transport reports about itself. The transport does not know about Prometheus;
 * the node wires an observer that feeds MetricsService (and logs refusals).
 */
export interface TransportObserver {
  /** `pattern`: the frame's, or for a response the pattern of the request it answers ('' for the handshake). */
  frameIn(pattern: string, bytes: number): void;
  frameOut(pattern: string, bytes: number): void;
  /** `reason` is the full refusal text; see handshakeReasonLabel for a metric label. */
  handshakeFailed(reason: string, remote: string): void;
  transportError(type: string, remote: string): void;
  connectionsChanged(delta: number): void;
  /** An authenticated connection admitted with keyring entry `keyId` opened (+1) or closed (-1). */
  keyInUse(keyId: string, delta: number): void;
  /** An inbound socket was closed unread: a cap of admission-control.ts was reached. */
  connectionRefused(reason: RefusalReason, remote: string): void;
}

export const noopObserver: TransportObserver = {
  frameIn() {},
  frameOut() {},
  handshakeFailed() {},
  transportError() {},
  connectionsChanged() {},
  keyInUse() {},
  connectionRefused() {},
};

export const TRANSPORT_OBSERVER = Symbol('TRANSPORT_OBSERVER');
