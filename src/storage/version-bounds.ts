/**
 * What a version that came from another node must be before it is believed: a version stamp
 * (version.ts), dated no more than MAX_VERSION_LEAD_MS ahead of this node's clock.
 *
 * Versions decide every conflict (newest wins, a tombstone at least as new as a manifest wins),
 * so a version that sorts after every real one ("~", or a stamp dated in the year 3000) would
 * win forever: the key could never be stored or deleted again. A member holding the cluster
 * secret can send any version it likes; these checks keep the damage to one hour at most, and
 * a refused version is answered with a typed error that names it.
 */
import { InvalidVersionError, VersionAheadError } from './storage.errors';
import { parseVersion } from './version';

/** How far ahead of this node's clock a version may be dated (the clock skew we tolerate). */
export const MAX_VERSION_LEAD_MS = 60 * 60 * 1000;

/** Returns `version` if it may be believed, else throws InvalidVersionError or VersionAheadError. */
export function checkIncomingVersion(version: unknown, now: number = Date.now()): string {
  if (typeof version !== 'string') throw new InvalidVersionError(String(version));
  const { ms } = parseVersion(version);
  if (ms > now + MAX_VERSION_LEAD_MS) throw new VersionAheadError(version, ms - now, MAX_VERSION_LEAD_MS);
  return version;
}

/** The same check as a predicate, for lists where a bad entry is skipped rather than refused. */
export function isBelievableVersion(version: unknown, now: number = Date.now()): version is string {
  try {
    checkIncomingVersion(version, now);
    return true;
  } catch {
    return false;
  }
}
