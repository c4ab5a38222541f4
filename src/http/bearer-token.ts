/**
 * Bearer tokens compared in constant time, length included: both sides are hashed with
 * SHA-256 first, so timingSafeEqual always compares 32 bytes and neither the length nor the
 * first differing byte of a guess shows in the time taken. Every token of the keyring is
 * tried, with no early exit, so rotation (two tokens at once) works and which one matched
 * does not show either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function matchesAnyToken(given: string, tokens: readonly string[]): boolean {
  const g = digest(given);
  let matched = false;
  for (const token of tokens) matched = timingSafeEqual(g, digest(token)) || matched;
  return matched;
}

/** The token of an `Authorization: Bearer <token>` header; '' when there is none. */
export function bearerTokenOf(header: string | undefined): string {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return m ? m[1] : '';
}
