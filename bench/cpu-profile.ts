/**
 * Reads the newest V8 CPU profile (node --cpu-prof) under a folder and prints where the time
 * went: self time by function (name, file:line), the hottest first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
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

export function printHotFunctions(dir: string, label: string, top = 15): void {
  const file = newestProfile(dir);
  if (!file) {
    console.log(`   (no CPU profile of ${label} found)`);
    return;
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    const us = profile.timeDeltas[i] ?? 0;
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    total += us;
  });
  console.log(`   CPU profile of ${label} (${(total / 1e6).toFixed(1)} s sampled), self time:`);
  for (const [name, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`     ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}`);
  }
}
