import { Injectable } from '@nestjs/common';

/** Lifecycle facts the runner sets and /readyz reads. */
@Injectable()
export class NodeStatus {
  p2pAddress: string | undefined;
  started = false;
  leaving = false;
  /** Set while a node that was away too long reconciles before serving (see anti-entropy). */
  quarantined = false;
}
