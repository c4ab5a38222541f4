/** host:port handling shared by flags and the transport. Keys never reach here; only addresses. */

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses "host:port", "[v6]:port" or ":port". An empty host stays empty (bind every interface).
 * Returns undefined for anything else.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Hosts that mean "every interface" when binding, so not something another node can dial. */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** A bootstrap list: "a:1,b:2" (spaces allowed); ":3000" means this machine. */
export function parseAddressList(text: string): HostPort[] | undefined {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const out: HostPort[] = [];
  for (const p of parts) {
    const hp = parseHostPort(p);
    if (!hp) return undefined;
    out.push({ host: hp.host || '127.0.0.1', port: hp.port });
  }
  return out;
}
