/**
 * What the abort and tombstone settlers share: each pass takes a bounded batch of the records
 * due (round robin, so records that cannot be settled yet do not starve the others), brings
 * every placed holder of each record's key in line with it, and drops the record here once
 * every one of them is. Placed holders are the ones placement picks over every known member
 * that has not left, this node left out; a holder known to be down is not asked (it would only
 * time out) and cannot confirm, so the record is kept until it is back.
 */
import { Logger } from '@nestjs/common';
import { describeError } from '../common/errors';
import { MembershipService } from '../gossip/membership.service';
import { placeKey } from './placement';
import { RoundRobin } from './round-robin';

export interface SettleSteps<T> {
  /** Brings `holder` in line with `record` (true); throws when it could not be asked. */
  settleAt(holder: string, record: T): Promise<true>;
  /** Forgets the record here; true when it was held. */
  drop(record: T): Promise<boolean>;
  /** How a log line names the record ("tombstone of \"a\""). */
  describe(record: T): string;
}

export class PlacedSettle<T extends { key: string }> {
  private readonly logger = new Logger('AntiEntropy');
  private readonly batches = new RoundRobin();

  constructor(
    private readonly perRound: number,
    private readonly steps: SettleSteps<T>,
  ) {}

  /** One pass over the records due; returns how many were dropped here. */
  async pass(due: readonly T[], membership: MembershipService, self: string, replicas: number): Promise<number> {
    const known = membership.knownIds();
    const up = new Set(membership.upIds());
    const batch = this.batches.take(due, this.perRound);
    const dropped = await Promise.all(
      batch.map(async (record) => {
        const holders = placeKey(record.key, known, replicas).filter((id) => id !== self);
        const settled = await Promise.all(holders.map((h) => up.has(h) && this.settleAt(h, record)));
        return settled.every(Boolean) && this.steps.drop(record);
      }),
    );
    return dropped.filter(Boolean).length;
  }

  private settleAt(holder: string, record: T): Promise<boolean> {
    return this.steps.settleAt(holder, record).catch((err) => {
      this.logger.debug(`${this.steps.describe(record)} not settled at ${holder.slice(0, 8)}: ${describeError(err)}`);
      return false;
    });
  }
}
