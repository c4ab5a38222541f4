/**
 * The node's TLS identity: a persistent Ed25519 key and its self-signed certificate, kept
 * beside the database (`<db>.key.pem`, mode 0600, and `<db>.cert.pem`). Made at first start,
 * read at every later one; the certificate is made again if only it is missing (the key is
 * what peers pin, so a new certificate over the same key changes nothing).
 *
 * The fingerprint peers pin is SHA-256 over the key's SubjectPublicKeyInfo, not over the
 * certificate, so a certificate can be re-issued without changing who the node is.
 */
import { KeyObject, X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import { selfSignedCertificate } from './self-signed-cert';
import { NodeKeyError } from '../transport.errors';

export interface NodeKeyMaterial {
  /** PEM private key (PKCS#8). */
  key: string;
  /** PEM self-signed certificate over the same key. */
  cert: string;
  /** Hex SHA-256 of the public key's SPKI: what peers pin under this node's id. */
  fingerprint: string;
}

export function nodeKeyPaths(dbPath: string): { key: string; cert: string } {
  return { key: `${dbPath}.key.pem`, cert: `${dbPath}.cert.pem` };
}

/** Hex SHA-256 of a public key's DER SPKI. */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function certificateFingerprint(cert: X509Certificate): string {
  return keyFingerprint(cert.publicKey);
}

/** A key and certificate held in memory only (tests, and stand-in nodes). */
export function ephemeralNodeKey(commonName = 'p2p-storage test node'): NodeKeyMaterial {
  const privateKey = generateKeyPairSync('ed25519').privateKey;
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: selfSignedCertificate(privateKey, commonName), fingerprint: keyFingerprint(privateKey) };
}

/** Reads the node's key and certificate, making them on first start. */
export function loadOrCreateNodeKey(dbPath: string, commonName: string): NodeKeyMaterial {
  const paths = nodeKeyPaths(dbPath);
  let keyPem = readIfExists(paths.key);
  if (keyPem === undefined) keyPem = createOnce(paths.key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (err) {
    throw new NodeKeyError(paths.key, `not a private key (${(err as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new NodeKeyError(paths.key, `an ${privateKey.asymmetricKeyType} key, not ed25519`);
  const fingerprint = keyFingerprint(privateKey);
  let certPem = readIfExists(paths.cert);
  if (certPem === undefined || !certMatches(certPem, fingerprint)) {
    certPem = selfSignedCertificate(privateKey, commonName);
    writeAtomically(paths.cert, certPem, 0o644);
  }
  return { key: keyPem, cert: certPem, fingerprint };
}

function certMatches(pem: string, fingerprint: string): boolean {
  try {
    return certificateFingerprint(new X509Certificate(pem)) === fingerprint;
  } catch {
    return false;
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NodeKeyError(file, (err as Error).message);
  }
}

/** Writes the key once: two processes starting on one database end with the same key. */
function createOnce(file: string, content: string): string {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSynced(tmp, content, 0o600);
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new NodeKeyError(file, (err as Error).message);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return fs.readFileSync(file, 'utf8');
}

function writeAtomically(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSynced(tmp, content, mode);
  fs.renameSync(tmp, file);
}

function writeFileSynced(file: string, content: string, mode: number): void {
  const fd = fs.openSync(file, 'w', mode);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
