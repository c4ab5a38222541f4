/**
 * Secrets given as a list: the cluster secrets of a keyring, the API tokens a node accepts.
 * On a command line or in an environment variable they are comma-separated; in a file they are
 * one per line (blank lines and lines starting with "#" are skipped), which is the form to use
 * for rotation, since the node reads the file again on SIGHUP. The first entry is the primary.
 */
import * as fs from 'node:fs';
import { InvalidInputError } from '../common/errors';
import { PlaceholderSecretError, isPlaceholderSecret } from './config.errors';

export function splitSecretList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function readSecretFile(file: string, flag: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`--${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const entries = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#'));
  if (entries.length === 0) throw new InvalidInputError(`--${flag} ${file} holds no secret (one per line, the first is used for new connections)`);
  // Checked here, not only at start: a SIGHUP must not install a placeholder either.
  if (entries.some(isPlaceholderSecret)) throw new PlaceholderSecretError([flag]);
  return entries;
}

/** The list a flag pair gives: `--x a,b` or `--x-file PATH`, never both. */
export function secretListFrom(listFlag: string, list: string | undefined, file: string | undefined, problems: string[]): string[] {
  if (list && file) {
    problems.push(`give --${listFlag} or --${listFlag}-file, not both`);
    return [];
  }
  if (file) {
    try {
      return readSecretFile(file, `${listFlag}-file`);
    } catch (err) {
      problems.push((err as Error).message);
      return [];
    }
  }
  return splitSecretList(list);
}
