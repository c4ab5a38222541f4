/**
 * A full garbage collection once a busy node has gone quiet.
 *
 * V8 collects its old generation when allocation pushes the heap past a limit it raised while
 * the node was busy; once the node is idle almost nothing is allocated, so the garbage a burst
 * left (a catch-up of 100,000 manifests, a flood of reads) stays resident for hours. Measured
 * with bench:scale: nodes idling at 208-354 MiB resident of which about 60 MiB was live. So
 * every IDLE_GC_INTERVAL_MS the node looks at its own CPU time and heap, and collects once
 * when it used less than IDLE_CPU_SHARE of one core since the last look and either
 *  - its heap holds at least GARBAGE_BYTES more than the least it was seen at since the last
 *    collection (garbage), or
 *  - V8 keeps at least GARBAGE_BYTES more memory for the heap than is in use (V8's own
 *    collections during a burst free objects but keep their pages), and keeps more than it
 *    did right after the last idle collection (so a heap whose slack a collection does not
 *    give back is not collected again and again).
 * A collection (compacting, see fullCollection) of a heap with some 60 MiB live costs about a
 * hundred milliseconds, and never runs while the node is working.
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const IDLE_GC_INTERVAL_MS = 5_000;
export const IDLE_CPU_SHARE = 0.05;
export const GARBAGE_BYTES = 16 * 1024 * 1024;
/** How much more V8 must keep than after the last idle collection before slack alone calls for another. */
export const SLACK_REGROWTH_BYTES = 8 * 1024 * 1024;

export interface IdleSample {
  /** CPU time (user + system) the process used since the last look, in microseconds. */
  cpuMicros: number;
  /** Wall time since the last look, in milliseconds. */
  elapsedMs: number;
  /** V8's heapUsed now. */
  heapUsed: number;
  /** The lowest heapUsed seen since the last collection (what a collection can get back to). */
  heapFloor: number;
  /** V8's heapTotal (the memory it keeps for the heap) now. */
  heapTotal: number;
  /** heapTotal right after the last idle collection (0 before the first). */
  heapTotalAfterGc: number;
}

export function shouldCollect(s: IdleSample): boolean {
  if (s.elapsedMs <= 0) return false;
  const cpuShare = s.cpuMicros / 1000 / s.elapsedMs;
  if (cpuShare >= IDLE_CPU_SHARE) return false;
  const garbage = s.heapUsed - s.heapFloor >= GARBAGE_BYTES;
  const slack = s.heapTotal - s.heapUsed >= GARBAGE_BYTES && s.heapTotal > s.heapTotalAfterGc + SLACK_REGROWTH_BYTES;
  return garbage || slack;
}

/**
 * V8's own full collection, compacting. Node exposes it only under --expose-gc; setting the
 * flag at run time and reading `gc` from a fresh context gives the same function without
 * changing the node command line (which the code cache is checked against). Undefined if V8
 * refuses.
 *
 * A full collection alone frees the garbage but keeps most pages it was spread over: with one
 * object in ten still live, 49 MiB in use kept 458 MiB of heap (and a node idled at 270 MiB
 * resident in bench:scale). So this one collection compacts, moving the live objects
 * together so that their old pages go back (the same heap: 83 MiB kept); V8's own collections
 * while the node works stay as they are.
 */
function fullCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') return undefined;
    return () => {
      // Runs from a timer: a V8 that refuses the flag gets a plain collection, never a throw.
      const compacting = setFlag('--compact-on-every-full-gc');
      try {
        (gc as () => void)();
      } finally {
        if (compacting) setFlag('--no-compact-on-every-full-gc');
      }
    };
  } catch {
    return undefined;
  }
}

function setFlag(flag: string): boolean {
  try {
    setFlagsFromString(flag);
    return true;
  } catch {
    return false;
  }
}

@Injectable()
export class IdleGc implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('IdleGc');
  private timer: NodeJS.Timeout | undefined;
  private gc: (() => void) | undefined;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private heapFloor = process.memoryUsage().heapUsed;
  private heapTotalAfterGc = 0;

  onModuleInit(): void {
    this.gc = fullCollection();
    if (!this.gc) {
      this.logger.debug('V8 gives no full collection here: idle collection off');
      return;
    }
    this.timer = setInterval(() => this.look(), IDLE_GC_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private look(): void {
    const cpu = process.cpuUsage(this.lastCpu);
    const now = performance.now();
    const { heapUsed, heapTotal } = process.memoryUsage();
    this.heapFloor = Math.min(this.heapFloor, heapUsed);
    const sample: IdleSample = { cpuMicros: cpu.user + cpu.system, elapsedMs: now - this.lastAt, heapUsed, heapFloor: this.heapFloor, heapTotal, heapTotalAfterGc: this.heapTotalAfterGc };
    if (shouldCollect(sample)) {
      const started = performance.now();
      this.gc!();
      const after = process.memoryUsage();
      this.heapFloor = after.heapUsed;
      this.heapTotalAfterGc = after.heapTotal;
      this.logger.debug(`idle: collected in ${(performance.now() - started).toFixed(0)} ms: heap ${mib(heapUsed)} -> ${mib(after.heapUsed)} MiB in use, ${mib(heapTotal)} -> ${mib(after.heapTotal)} MiB kept`);
    }
    // The collection's own CPU is not counted against the next interval's quiet.
    this.lastCpu = process.cpuUsage();
    this.lastAt = performance.now();
  }
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
