/**
 * The cluster's S3 access keys: pairs of access key id and secret, from --s3-keys (or
 * P2P_S3_KEYS) and from the file --s3-keys-file names (a mounted Kubernetes Secret, say), one
 * `ACCESS_KEY_ID:SECRET` a line, "#" comments. Every node of a cluster is given the same keys,
 * so any node verifies any client. The file is read again when it changes (checked at most
 * every few seconds), so keys can be added and revoked without a restart.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../common/errors';

const ID = /^[A-Za-z0-9._-]{3,128}$/;
const RECHECK_MS = 5_000;

export function parseKeyList(text: string, source: string): Map<string, string> {
  const out = new Map<string, string>();
  const problems: string[] = [];
  text.split(/[\n,]/).forEach((line, i) => {
    const entry = line.trim();
    if (!entry || entry.startsWith('#')) return;
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep).trim() : '';
    const secret = sep > 0 ? entry.slice(sep + 1).trim() : '';
    if (!ID.test(id) || secret.length < 8 || secret.length > 256) problems.push(`${source} entry ${i + 1} is not ACCESS_KEY_ID:SECRET (id 3-128 letters, digits, ._-; secret 8-256 characters)`);
    else out.set(id, secret);
  });
  if (problems.length) throw new InvalidInputError(problems.join('; '));
  return out;
}

/** A new random key pair, as `p2p s3 keygen` prints it. */
export function generateKeyPair(): { accessKeyId: string; secret: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(17)].map((b) => alphabet[b % 32]).join('');
  return { accessKeyId: `P2P${id}`, secret: randomBytes(30).toString('base64').replace(/[+/=]/g, (c) => (c === '+' ? 'a' : c === '/' ? 'b' : '')) };
}

export class AccessKeyStore {
  private fromFile = new Map<string, string>();
  private fileStamp = '';
  private checkedAt = 0;

  constructor(
    private readonly inline: Map<string, string>,
    private readonly file: string | undefined,
  ) {
    if (file) this.reload(true);
  }

  /** How many keys are configured now. */
  get size(): number {
    this.maybeReload();
    return new Set([...this.inline.keys(), ...this.fromFile.keys()]).size;
  }

  secretFor(accessKeyId: string): string | undefined {
    this.maybeReload();
    return this.inline.get(accessKeyId) ?? this.fromFile.get(accessKeyId);
  }

  private maybeReload(): void {
    if (!this.file || Date.now() - this.checkedAt < RECHECK_MS) return;
    try {
      this.reload(false);
    } catch {
      // A half-written file keeps the keys read before; the next check tries again.
    }
  }

  private reload(strict: boolean): void {
    this.checkedAt = Date.now();
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file!);
    } catch (err) {
      if (strict) throw new InvalidInputError(`--s3-keys-file "${this.file}" cannot be read (${(err as NodeJS.ErrnoException).code})`);
      this.fromFile = new Map();
      return;
    }
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (stamp === this.fileStamp) return;
    this.fromFile = parseKeyList(fs.readFileSync(this.file!, 'utf8'), `--s3-keys-file "${this.file}"`);
    this.fileStamp = stamp;
  }
}
