/** What a benchmark reads about a running node: files held, CPU time, metrics. */
import * as fs from 'node:fs';
import { readDb } from '../test/helpers/node-db';
import { TestNode } from '../test/helpers/node-harness';
import { metricSum } from '../test/helpers/node-metrics';

export { metricSum };

/** Files the node holds, optionally only those at a version at or above `sinceVersion`. */
export async function countFiles(dbPath: string, sinceVersion?: string): Promise<number> {
  const rows = sinceVersion
    ? await readDb<{ n: number }>(dbPath, 'SELECT count(*) AS n FROM files WHERE version >= ?', [sinceVersion])
    : await readDb<{ n: number }>(dbPath, 'SELECT count(*) AS n FROM files');
  return rows[0]?.n ?? 0;
}

/** User + system CPU seconds a process has used (from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The process's resident memory in MiB, anonymous (heap, malloc, buffers) and file-backed (the node binary, shared libraries). */
export function residentParts(pid: number): { anon: number; file: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { anon: kib('RssAnon') / 1024, file: (kib('RssFile') + kib('RssShmem')) / 1024 };
}

/** Bytes of storage messages (anti-entropy, repair, replication) the node sent, requests and answers. */
export function storageBytesSent(node: TestNode): Promise<number> {
  return metricSum(node, 'p2p_message_bytes_total', (l) => /type="storage\./.test(l) && /direction="out"/.test(l));
}

/** Bytes of storage messages the node sent, by message type (where anti-entropy's bytes go). */
export async function storageBytesByType(node: TestNode): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${node.http}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^p2p_message_bytes_total\{([^}]*)\} (\S+)$/gm)) {
    const type = /type="(storage\.[^"]*)"/.exec(m[1])?.[1];
    if (type && /direction="out"/.test(m[1])) out.set(type, (out.get(type) ?? 0) + Number(m[2]));
  }
  return out;
}
