/**
 * Timings and counts of the SWIM failure detector, one preset per --gossip-profile.
 *
 * Every value is explained in docs/membership.md together with the bounds it produces
 * (detection time, suspicion timeout, dissemination rounds). `lan` is the production preset;
 * `local` is a faster one for tests on loopback, where messages take microseconds but two
 * cores are shared by several node processes, so it keeps enough slack for event-loop stalls.
 */
import { parseDuration } from '../config/units';
import { InvalidSwimConfigError } from './swim/swim.errors';

/** The suspicion timeout bounds for a cluster of n live members (see swim/suspicion.ts). */
export { suspicionBounds } from './swim/suspicion';

export interface SwimConfig {
  /** How often the shell calls `tick()`: the resolution of every deadline below. */
  tickMs: number;
  /** One member is probed per interval (before local-health scaling). */
  probeIntervalMs: number;
  /** Time for a direct ack before indirect probes are sent (before local-health scaling). */
  probeTimeoutMs: number;
  /** How many members are asked to probe indirectly (ping-req) when a direct ping gets no ack. */
  indirectChecks: number;
  /** Minimum suspicion timeout = suspicionMult * max(1, log10(N)) * probeInterval. */
  suspicionMult: number;
  /** Maximum suspicion timeout = suspicionMaxMult * minimum. */
  suspicionMaxMult: number;
  /** Independent suspectors (K) that shrink the suspicion timeout all the way to its minimum. */
  suspicionConfirmations: number;
  /** Ceiling of the local health multiplier: intervals stretch up to (1 + awarenessMax) times. */
  awarenessMax: number;
  /** Event-loop lag (reported by the shell, or seen as a late tick) above which this node distrusts its own timeouts. */
  lagThresholdMs: number;
  /** How often a few members get the pending broadcasts even when nobody is being probed. */
  gossipIntervalMs: number;
  /** How many random members each gossip tick goes to. */
  gossipNodes: number;
  /** Each update is sent retransmitMult * ceil(log10(N + 1)) times. */
  retransmitMult: number;
  /** Most updates piggybacked on one message. */
  maxPiggyback: number;
  /** Most distinct updates kept waiting; the most-sent ones are dropped first (push-pull repairs the rest). */
  broadcastQueueMax: number;
  /** Full member-list exchange with one member; stretched for large clusters (see pushPullInterval). */
  pushPullIntervalMs: number;
  /** Dead members keep getting gossip this long, so a wrongly declared node hears it and refutes. */
  gossipToTheDeadMs: number;
  /**
   * A member dead or left for this long is forgotten: dropped from the table and the database,
   * so the table (and every push-pull) stays bounded by the members of the recent past. News of
   * a stranger's death never re-adds one; only the member itself, alive, does.
   */
  forgetAfterMs: number;
}

export type GossipPresetName = 'lan' | 'local';

export const GOSSIP_PRESETS: Record<GossipPresetName, SwimConfig> = {
  lan: {
    tickMs: 100,
    probeIntervalMs: 400,
    probeTimeoutMs: 200,
    indirectChecks: 3,
    suspicionMult: 4,
    suspicionMaxMult: 6,
    suspicionConfirmations: 3,
    awarenessMax: 8,
    lagThresholdMs: 200,
    gossipIntervalMs: 100,
    gossipNodes: 5,
    retransmitMult: 4,
    maxPiggyback: 64,
    broadcastQueueMax: 4096,
    pushPullIntervalMs: 3000,
    gossipToTheDeadMs: 30_000,
    forgetAfterMs: 24 * 3_600_000,
  },
  local: {
    tickMs: 25,
    probeIntervalMs: 250,
    probeTimeoutMs: 125,
    indirectChecks: 2,
    suspicionMult: 4,
    suspicionMaxMult: 4,
    suspicionConfirmations: 2,
    awarenessMax: 8,
    lagThresholdMs: 150,
    gossipIntervalMs: 50,
    gossipNodes: 3,
    retransmitMult: 4,
    maxPiggyback: 64,
    broadcastQueueMax: 1024,
    pushPullIntervalMs: 1000,
    gossipToTheDeadMs: 10_000,
    forgetAfterMs: 120_000,
  },
};

/** Every setting of SwimConfig. */
const FIELDS = Object.keys(GOSSIP_PRESETS.lan) as Array<keyof SwimConfig>;

/** Rejects a configuration the state machine cannot honour, naming every bad value at once. */
export function validateSwimConfig(config: SwimConfig): SwimConfig {
  const problems: string[] = [];
  const positive = (name: keyof SwimConfig) => {
    if (!Number.isFinite(config[name]) || config[name] <= 0) problems.push(`${name}=${config[name]} must be > 0`);
  };
  for (const name of FIELDS) positive(name);
  for (const name of ['indirectChecks', 'gossipNodes', 'maxPiggyback', 'broadcastQueueMax', 'suspicionConfirmations'] as const) {
    if (!Number.isInteger(config[name])) problems.push(`${name}=${config[name]} must be an integer`);
  }
  if (config.probeTimeoutMs >= config.probeIntervalMs) {
    problems.push(`probeTimeoutMs=${config.probeTimeoutMs} must be below probeIntervalMs=${config.probeIntervalMs}`);
  }
  if (config.suspicionMaxMult < 1) problems.push(`suspicionMaxMult=${config.suspicionMaxMult} must be >= 1`);
  if (problems.length > 0) throw new InvalidSwimConfigError(problems);
  return config;
}

/**
 * The values of `--gossip-override`: `key=value` pairs separated by commas, each key a field
 * of SwimConfig. A field ending in `Ms` takes a duration ("250ms", "1s"; a bare number is
 * milliseconds), any other field a number. Throws InvalidSwimConfigError naming every bad pair.
 */
export function parseGossipOverrides(text: string): Partial<SwimConfig> {
  const overrides: Partial<SwimConfig> = {};
  const problems: string[] = [];
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq).trim()) as keyof SwimConfig;
    const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (!FIELDS.includes(key)) {
      problems.push(`"${key}" is not a gossip setting (one of ${FIELDS.join(', ')})`);
      continue;
    }
    const n = settingValue(key, value);
    if (n === undefined) {
      problems.push(`${key}="${value}" is not ${key.endsWith('Ms') ? 'a duration (e.g. 250ms, 1s)' : 'a number'}`);
      continue;
    }
    overrides[key] = n;
  }
  if (problems.length > 0) throw new InvalidSwimConfigError(problems);
  return overrides;
}

/** A setting's number, or undefined when `value` is not one (range checks come later). */
function settingValue(key: keyof SwimConfig, value: string): number | undefined {
  if (value === '') return undefined;
  if (key.endsWith('Ms') && !/^\d+(\.\d+)?$/.test(value)) return parseDuration(value);
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** A profile's preset with `overrides` applied, checked as a whole. */
export function resolveSwimConfig(profile: GossipPresetName, overrides: Partial<SwimConfig> = {}): SwimConfig {
  return validateSwimConfig({ ...GOSSIP_PRESETS[profile], ...overrides });
}
