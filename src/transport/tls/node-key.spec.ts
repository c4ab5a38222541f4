import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { certificateFingerprint, ephemeralNodeKey, loadOrCreateNodeKey, nodeKeyPaths } from './node-key';
import { selfSignedCertificate } from './self-signed-cert';
import { NodeKeyError } from '../transport.errors';

describe('node key', () => {
  const dirs: string[] = [];
  const dbIn = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-key-'));
    dirs.push(dir);
    return path.join(dir, 'p2p.db');
  };
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('writes a self-signed Ed25519 certificate that never expires and that X.509 parsers accept', () => {
    const material = ephemeralNodeKey('p2p-storage node abc');
    const cert = new X509Certificate(material.cert);
    assert.equal(cert.subject, 'CN=p2p-storage node abc');
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ed25519');
    assert.ok(cert.verify(cert.publicKey), 'signed by its own key');
    assert.match(cert.validTo, /9999/);
    assert.equal(certificateFingerprint(cert), material.fingerprint);
    // A date past 2049 is written as GeneralizedTime.
    assert.match(new X509Certificate(selfSignedCertificate(createPrivateKey(material.key), 'x', new Date('2051-01-01'))).validFrom, /2051/);
  });

  it('makes the key once (0600) and reads the same key at every later start', () => {
    const db = dbIn();
    const first = loadOrCreateNodeKey(db, 'n');
    assert.equal(fs.statSync(nodeKeyPaths(db).key).mode & 0o777, 0o600);
    assert.equal(loadOrCreateNodeKey(db, 'n').fingerprint, first.fingerprint);
    fs.rmSync(nodeKeyPaths(db).cert);
    const again = loadOrCreateNodeKey(db, 'n');
    assert.equal(again.fingerprint, first.fingerprint, 'a lost certificate is made again over the same key');
    assert.ok(fs.existsSync(nodeKeyPaths(db).cert));
  });

  it('refuses a key file that is not an Ed25519 private key, with a typed error', () => {
    const db = dbIn();
    fs.writeFileSync(nodeKeyPaths(db).key, 'not a key');
    assert.throws(() => loadOrCreateNodeKey(db, 'n'), NodeKeyError);
  });
});
