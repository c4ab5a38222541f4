/**
 * Where a node's listeners bind (issue #12, safe defaults). A node without a cluster secret
 * admits any peer that reaches it, so by default it is reachable from this machine only:
 * a listener given no host (":3000", the seed's form) binds 127.0.0.1, and one given a host
 * that other machines can reach (0.0.0.0, ::, a LAN address, a name) is refused, unless the
 * operator says --insecure-open-cluster. With a secret, no host keeps meaning every interface.
 *
 * Loopback is judged from the text of the host (127.0.0.0/8, ::1, localhost), never by
 * resolving it: a name that resolves to loopback today may not tomorrow.
 */
import { HostPort, formatHostPort } from './address';
import { InsecureBindError } from './config.errors';

export const LOOPBACK_BIND_HOST = '127.0.0.1';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The listeners a node opens, by the flag that sets each; 'off' (or an S3 endpoint with no key) opens none. */
export type Listeners = Record<string, HostPort | 'off'>;

/**
 * The listeners as they will bind. `open`: no cluster secret; `insecure`: --insecure-open-cluster.
 * Throws InsecureBindError naming every listener that would be reachable from other hosts.
 */
export function applyBindPolicy<T extends Listeners>(listeners: T, open: boolean, insecure: boolean): T {
  if (!open || insecure) return listeners;
  const out: Listeners = {};
  const exposed: string[] = [];
  for (const [flag, hp] of Object.entries(listeners)) {
    if (hp === 'off') out[flag] = hp;
    else if (hp.host === '') out[flag] = { host: LOOPBACK_BIND_HOST, port: hp.port };
    else if (isLoopbackHost(hp.host)) out[flag] = hp;
    else exposed.push(`--${flag} ${formatHostPort(hp)}`);
  }
  if (exposed.length > 0) throw new InsecureBindError(exposed);
  return out as T;
}

/** Whether hosts other than this one can reach a listener bound so. */
export function reachableFromOtherHosts(hp: HostPort | 'off'): boolean {
  return hp !== 'off' && !isLoopbackHost(hp.host);
}
