/**
 * Whether the node can do its job: database open, p2p listener bound, joined (or alone by
 * choice: no --bootstrap), not quarantined, not leaving. /readyz and p2p_ready read this.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { describeError } from '../common/errors';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { NodeStatus } from './node-status';

export interface Readiness {
  ready: boolean;
  failing: Record<string, string>;
  members: number;
}

@Injectable()
export class ReadinessService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly status: NodeStatus,
    private readonly membership: MembershipService,
    private readonly db: DataSource,
  ) {}

  async check(): Promise<Readiness> {
    const failing: Record<string, string> = {};
    try {
      await this.db.query('SELECT 1');
    } catch (err) {
      failing.database = describeError(err);
    }
    if (!this.status.p2pAddress) failing.listener = 'p2p listener not bound yet';
    if (!this.status.started) failing.membership = 'not started';
    else if (this.config.bootstrap.length > 0 && this.membership.alive().length === 0) {
      const refusal = this.membership.refusedByEveryBootstrap();
      failing.membership = refusal ? `refused by every bootstrap peer (${refusal})` : `no member reachable (bootstrap ${this.config.bootstrap.join(',')})`;
    }
    if (this.status.quarantined) failing.quarantine = 'reconciling after an absence longer than --tombstone-ttl';
    if (this.status.leaving) failing.leaving = 'leaving the cluster';
    return { ready: Object.keys(failing).length === 0, failing, members: this.membership.alive().length + 1 };
  }
}
