/**
 * What a client connection (the CLI, and anything that authenticates with an API token) may
 * call: the patterns under "client." (store, get, delete, list, inspect). Everything else,
 * gossip, anti-entropy, chunk, manifest and tombstone traffic, is for cluster members, and a
 * client connection that sends it is refused (peer-connection.ts). The rule lives in the
 * transport so that no controller can forget it; controllers keep their own role checks too.
 */
export const CLIENT_PATTERN_PREFIX = 'client.';

export function isClientPattern(pattern: string): boolean {
  return pattern.startsWith(CLIENT_PATTERN_PREFIX);
}
