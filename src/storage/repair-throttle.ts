/**
 * A token bucket for repair traffic (--repair-bandwidth bytes per second; 0 = unlimited).
 * Repairs await `take(bytes)` before moving a chunk, so a node catching up cannot starve
 * client traffic. The bucket holds at most one second of budget.
 */
import { Inject, Injectable } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { delay } from '../common/wait';

@Injectable()
export class RepairThrottle {
  private tokens: number;
  private last = Date.now();
  private readonly rate: number;

  constructor(@Inject(NODE_CONFIG) config: Pick<NodeConfig, 'repairBandwidth'>) {
    this.rate = config.repairBandwidth;
    this.tokens = this.rate;
  }

  async take(bytes: number): Promise<void> {
    if (this.rate <= 0) return;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      // A chunk bigger than a second's budget goes through once the bucket is full.
      if (this.tokens >= Math.min(bytes, this.rate)) {
        this.tokens -= bytes;
        return;
      }
      await delay(Math.ceil(((Math.min(bytes, this.rate) - this.tokens) / this.rate) * 1000));
    }
  }
}
