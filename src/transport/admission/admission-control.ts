/**
 * Admission of inbound connections, before a byte of them is read: caps on the connections a
 * node holds and on those still in their handshake, overall and per remote address.
 *
 * A socket that has not authenticated costs memory (its socket, its handshake state and, with
 * TLS, its TLS buffers) and CPU, and anyone who can reach the port can open one. So at most
 * `maxPending` handshakes run at once, at most `maxPendingPerHost` of them from one address
 * (one attacker cannot fill the node's budget and lock out the others), and at most
 * `maxConnections` connections are open in all. A socket beyond a cap is closed at once. With
 * the handshake deadline and the pre-handshake frame limit (peer-connection.ts), this bounds
 * what unauthenticated traffic can make a node hold, whatever it sends.
 *
 * Pure bookkeeping: the server asks `admit` for each new socket and tells the ticket when the
 * handshake succeeded and when the socket closed.
 */
export interface AdmissionLimits {
  /** Open inbound connections, authenticated or not. */
  maxConnections: number;
  /** Inbound connections still in their handshake. */
  maxPending: number;
  /** Inbound connections still in their handshake from one remote address. */
  maxPendingPerHost: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxConnections: 1024,
  maxPending: 128,
  maxPendingPerHost: 32,
};

export type RefusalReason = 'connections' | 'pending' | 'pending_per_host';

export interface AdmissionTicket {
  /** The handshake succeeded: the connection no longer counts as pending. */
  authenticated(): void;
  /** The socket closed (idempotent). */
  release(): void;
}

export class AdmissionControl {
  private open = 0;
  private pending = 0;
  private readonly pendingByHost = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS) {}

  /** A ticket for a new socket from `host`, or the cap it would exceed. */
  admit(host: string): AdmissionTicket | { refused: RefusalReason } {
    if (this.open >= this.limits.maxConnections) return { refused: 'connections' };
    if (this.pending >= this.limits.maxPending) return { refused: 'pending' };
    const fromHost = this.pendingByHost.get(host) ?? 0;
    if (fromHost >= this.limits.maxPendingPerHost) return { refused: 'pending_per_host' };
    this.open += 1;
    this.pending += 1;
    this.pendingByHost.set(host, fromHost + 1);
    let state: 'pending' | 'authenticated' | 'released' = 'pending';
    const leavePending = () => {
      this.pending -= 1;
      const n = (this.pendingByHost.get(host) ?? 1) - 1;
      if (n > 0) this.pendingByHost.set(host, n);
      else this.pendingByHost.delete(host);
    };
    return {
      authenticated: () => {
        if (state !== 'pending') return;
        state = 'authenticated';
        leavePending();
      },
      release: () => {
        if (state === 'released') return;
        if (state === 'pending') leavePending();
        state = 'released';
        this.open -= 1;
      },
    };
  }

  get counts(): { open: number; pending: number; hosts: number } {
    return { open: this.open, pending: this.pending, hosts: this.pendingByHost.size };
  }
}

/** Human words for a refusal reason, for the log line. */
export function describeRefusal(reason: RefusalReason, limits: AdmissionLimits): string {
  switch (reason) {
    case 'connections':
      return `${limits.maxConnections} connections open (--max-connections)`;
    case 'pending':
      return `${limits.maxPending} handshakes in progress (--max-handshakes)`;
    case 'pending_per_host':
      return `${limits.maxPendingPerHost} handshakes in progress from this address (--max-handshakes-per-host)`;
  }
}
