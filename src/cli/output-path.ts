/**
 * Checks `get --out FILE` before anything is downloaded: a directory, or a file in a folder that
 * does not exist, is refused (exit 2) rather than found out by the final rename after the whole
 * file came over. A directory is not filled in as `cp` would: the key is not a file name (it may
 * hold "/" and any UTF-8), so the user names the file, and the error suggests one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoReason } from '../peer-repository/db-path';
import { OutputPathError, suggestedOutName } from './cli.errors';

export function checkOutPath(out: string, key: string): void {
  const target = statOrUndefined(out);
  if (target?.isDirectory()) throw new OutputPathError(out, ` is a directory; give a file name, e.g. --out ${suggestedOutName(out, key)}`);
  const dir = path.dirname(path.resolve(out));
  const folder = statOrUndefined(dir);
  if (!folder) throw new OutputPathError(out, `: folder "${dir}" does not exist`);
  if (!folder.isDirectory()) throw new OutputPathError(out, `: "${dir}" is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new OutputPathError(out, `: cannot write in "${dir}": ${errnoReason(err)}`);
  }
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}
