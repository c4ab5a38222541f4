/**
 * Reads the newest V8 CPU profile (node --cpu-prof) under a folder and prints where the time
 * went: self time by function (name, file:line), the hottest first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function newestProfile(dir: string): string | undefined {
  const found: Array<{ file: string; at: number }> = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.cpuprofile')) found.push({ file: full, at: fs.statSync(full).mtimeMs });
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found.sort((a, b) => b.at - a.at)[0]?.file;
}

/**
 * `window` keeps only the samples taken between two moments of process.hrtime (in µs): V8's
 * profile clock and hrtime are both the monotonic clock, so a benchmark can profile one phase.
 */
export function printHotFunctions(dir: string, label: string, top = 15, window?: { fromUs: number; toUs: number }, inclusive = false): void {
  const file = newestProfile(dir);
  if (!file) {
    console.log(`   (no CPU profile of ${label} found)`);
    return;
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const us = profile.timeDeltas[i] ?? 0;
    const name = nameOf(byId.get(id)!);
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    // Inclusive: once per function on the sample's stack (recursion counted once).
    const onStack = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) onStack.add(nameOf(byId.get(n)!));
    for (const f of onStack) totalUs.set(f, (totalUs.get(f) ?? 0) + us);
    total += us;
  });
  console.log(`   CPU profile of ${label} (${(total / 1e6).toFixed(1)} s sampled), self time:`);
  for (const [name, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`     ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}`);
  }
  if (!inclusive) return;
  console.log(`   inclusive time (the function and what it called), project code and I/O:`);
  const ours = [...totalUs].filter(([name]) => !/^\((root|program|idle|garbage collector)\)/.test(name));
  for (const [name, us] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`     ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}`);
  }
}

function nameOf(n: ProfileNode): string {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
}
