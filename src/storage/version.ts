/**
 * Versions are hybrid logical clock stamps that sort as plain strings:
 *   <physical ms, 15 digits>.<counter, 6 digits>.<node id>
 * A node's next stamp is newer than every stamp it issued or observed, so a delete issued
 * after a store (anywhere) wins, and two concurrent writers are ordered by time, then node id.
 */
import { Clock, systemClock } from '../common/clock';
import { InvalidVersionError } from './storage.errors';

const PATTERN = /^(\d{15})\.(\d{6})\.([0-9a-f]{8,64})$/;

export interface ParsedVersion {
  ms: number;
  counter: number;
  nodeId: string;
}

export function parseVersion(v: string): ParsedVersion {
  const m = PATTERN.exec(v);
  if (!m) throw new InvalidVersionError(v);
  return { ms: Number(m[1]), counter: Number(m[2]), nodeId: m[3] };
}

export function formatVersion(p: ParsedVersion): string {
  return `${String(p.ms).padStart(15, '0')}.${String(p.counter).padStart(6, '0')}.${p.nodeId}`;
}

/** Sorts above every version stamped before `ms` and below every one stamped at or after it. */
export function versionFloor(ms: number): string {
  return `${String(Math.max(0, Math.floor(ms))).padStart(15, '0')}.`;
}

export function compareVersions(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class VersionClock {
  private ms = 0;
  private counter = 0;

  constructor(
    private readonly nodeId: string,
    private readonly clock: Clock = systemClock,
  ) {}

  next(): string {
    const now = this.clock.now();
    if (now > this.ms) {
      this.ms = now;
      this.counter = 0;
    } else {
      this.counter += 1;
      if (this.counter > 999_999) {
        this.ms += 1;
        this.counter = 0;
      }
    }
    return formatVersion({ ms: this.ms, counter: this.counter, nodeId: this.nodeId });
  }

  /** Moves the clock past a version seen from elsewhere (malformed input is ignored). */
  observe(version: string): void {
    const m = PATTERN.exec(version);
    if (!m) return;
    const ms = Number(m[1]);
    const counter = Number(m[2]);
    if (ms > this.ms || (ms === this.ms && counter > this.counter)) {
      this.ms = ms;
      this.counter = counter;
    }
  }
}
