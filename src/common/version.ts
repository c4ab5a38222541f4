/** The package version, read once from package.json (dist/src/common -> project root). */
import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const PACKAGE_VERSION = readVersion();
