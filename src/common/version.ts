/**
 * The package version, read once from the project's package.json: the nearest one up from this
 * file, which is dist/src/common/ when compiled and dist/ inside the bundle (so a fixed
 * relative path fits only one of them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'p2p-storage' && pkg.version) return pkg.version;
    } catch {
      // No (readable) package.json here: look one folder up.
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

export const PACKAGE_VERSION = readVersion();
