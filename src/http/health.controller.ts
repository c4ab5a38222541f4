/**
 * /healthz: the process answers. /readyz: the node can do its job: database open, p2p
 * listener bound, joined (or alone by choice: no --bootstrap), not quarantined, not leaving.
 * 503 with a JSON body naming each failing check.
 */
import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { NodeStatus } from '../node/node-status';

@Controller()
export class HealthController {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly status: NodeStatus,
    private readonly membership: MembershipService,
    private readonly db: DataSource,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() res: Response) {
    const failing: Record<string, string> = {};
    try {
      await this.db.query('SELECT 1');
    } catch (err) {
      failing.database = String((err as Error).message);
    }
    if (!this.status.p2pAddress) failing.listener = 'p2p listener not bound yet';
    if (!this.status.started) failing.membership = 'not started';
    else if (this.config.bootstrap.length > 0 && this.membership.alive().length === 0) {
      failing.membership = `no member reachable (bootstrap ${this.config.bootstrap.join(',')})`;
    }
    if (this.status.quarantined) failing.quarantine = 'reconciling after a long absence';
    if (this.status.leaving) failing.leaving = 'leaving the cluster';
    const ready = Object.keys(failing).length === 0;
    res.status(ready ? 200 : 503).json({ ready, failing, members: this.membership.alive().length + 1 });
  }
}
