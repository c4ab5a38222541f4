/**
 * What bin/p2p runs. Loads the bundled CLI (dist/p2p.js, see scripts/bundle.js) through V8's
 * code cache (dist/p2p.js.cache) so that a node does not recompile the same 5 MiB of
 * JavaScript on every start: with the cache, start-up skips parsing and most lazy compilation.
 *
 * The cache is made at build time by running a short-lived node with P2P_CODE_CACHE_WRITE=1
 * (scripts/code-cache.js); it then holds every function that a start, a join and a graceful
 * stop compiled. A missing, stale or rejected cache (another Node or V8 flags) only costs the
 * time it would have saved: V8 checks it against the source and falls back to compiling.
 */
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import * as vm from 'node:vm';

// Must be set before libuv's pool starts (chunk writes run on it; see main.ts).
process.env.UV_THREADPOOL_SIZE ??= '16';

const dist = path.resolve(__dirname, '..');
const bundle = path.join(dist, 'p2p.js');
const cacheFile = `${bundle}.cache`;

function readCache(): Buffer | undefined {
  try {
    return fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

function writeCacheOnExit(script: vm.Script): void {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  });
}

function run(): void {
  // The build makes the bundle pure ASCII (scripts/bundle.js), so latin1 reads the same text
  // without UTF-8 decoding. The entry's "#!" line is only valid at the very start of a file,
  // not inside the wrapper.
  const source = fs.readFileSync(bundle, 'latin1').replace(/^#!/, '//');
  const cachedData = readCache();
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  if (process.env.P2P_CODE_CACHE_WRITE === '1') writeCacheOnExit(script);
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dist);
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dist);
}

run();
