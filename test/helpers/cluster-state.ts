/**
 * Checks a cluster's final state against a WriteLedger, through each node's HTTP API: what a
 * read through every node returns, and whether every node placement picks (over all the
 * nodes) holds the winning copy. Each check returns the problems it found (none: it holds),
 * so a test can wait on it with a deadline and print what was still wrong.
 */
import { placeKey } from '../../src/storage/placement';
import { TestNode } from './node-harness';
import { WriteLedger, sha256 } from './write-ledger';

interface Held {
  version: string;
  contentHash: string;
}

/** The manifests a node holds, by key (GET /v1/files). */
export async function heldBy(node: TestNode): Promise<Map<string, Held>> {
  const r = await fetch(`http://${node.http}/v1/files`);
  if (r.status !== 200) throw new Error(`${node.name} GET /v1/files answered ${r.status}: ${(await r.text()).slice(0, 200)}`);
  const files = (await r.json()) as Array<{ key: string; version: string; contentHash: string }>;
  return new Map(files.map((f) => [f.key, { version: f.version, contentHash: f.contentHash }]));
}

/** What a read of `key` through `node` returns: the content's hash, null for 404, or an error string. */
async function readThrough(node: TestNode, key: string): Promise<string | null | { error: string }> {
  try {
    const r = await fetch(`http://${node.http}/v1/files/${encodeURIComponent(key)}`);
    if (r.status === 404) return null;
    if (r.status !== 200) return { error: `HTTP ${r.status} ${(await r.text()).slice(0, 160)}` };
    return sha256(Buffer.from(await r.arrayBuffer()));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const short = (h: string | null) => (h === null ? 'absent' : h.slice(0, 8));

/**
 * Reads every key of the ledger through every node: each must give the same answer, one the
 * ledger allows (a deleted key is absent everywhere).
 */
export async function readProblems(ledger: WriteLedger, nodes: TestNode[]): Promise<string[]> {
  const problems: string[] = [];
  for (const key of ledger.keys()) {
    const allowed = ledger.allowedFinal(key);
    const answers = await Promise.all(nodes.map((n) => readThrough(n, key)));
    answers.forEach((a, i) => {
      if (a !== null && typeof a === 'object') problems.push(`${key} via ${nodes[i].name}: ${a.error}`);
      else if (!allowed.has(a)) problems.push(`${key} via ${nodes[i].name}: read ${short(a)}, allowed ${[...allowed].map(short).join('|')}`);
    });
    const distinct = new Set(answers.filter((a) => a === null || typeof a === 'string'));
    if (distinct.size > 1) problems.push(`${key}: nodes disagree (${[...distinct].map((a) => short(a as string | null)).join(' vs ')})`);
  }
  return problems;
}

/**
 * Every key whose final state is a copy is held, at the winning version, by each of the
 * `replicas` nodes placement picks over all of `nodes`; a key whose final state is "absent" is
 * held by none.
 */
export async function placementProblems(ledger: WriteLedger, nodes: TestNode[], replicas: number): Promise<string[]> {
  const held = await Promise.all(nodes.map((n) => heldBy(n)));
  const ids = nodes.map((n) => n.nodeId);
  const problems: string[] = [];
  for (const key of ledger.keys()) {
    const allowed = ledger.allowedFinal(key);
    const copies = held.map((h) => h.get(key));
    const newest = copies.filter((c): c is Held => !!c).sort((a, b) => (a.version < b.version ? 1 : -1))[0];
    if (!newest) {
      if (!allowed.has(null)) problems.push(`${key}: no node holds it (allowed ${[...allowed].map(short).join('|')})`);
      continue;
    }
    if (!allowed.has(newest.contentHash)) {
      // Held somewhere though deleted or replaced: acceptable only while a read says absent/newer.
      if (allowed.has(null)) problems.push(`${key}: still held by ${nodes.filter((_, i) => copies[i]).map((n) => n.name).join(',')} though its final state is absent`);
      else problems.push(`${key}: newest copy ${short(newest.contentHash)} v=${newest.version} is not allowed (${[...allowed].map(short).join('|')})`);
      continue;
    }
    for (const id of placeKey(key, ids, replicas)) {
      const i = ids.indexOf(id);
      if (copies[i]?.version !== newest.version) problems.push(`${key}: placed on ${nodes[i].name}, which holds ${copies[i] ? `v=${copies[i]!.version}` : 'nothing'}`);
    }
  }
  return problems;
}
