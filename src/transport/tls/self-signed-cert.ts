/**
 * A self-signed X.509 v3 certificate for an Ed25519 key, written as DER by hand.
 *
 * Node can parse certificates (crypto.X509Certificate) but not make them, and TLS wants one.
 * Our certificate carries nothing anyone checks: peers pin the public key (SHA-256 of its
 * SPKI), never a chain, a name or a date. So it needs only the fields RFC 5280 makes
 * mandatory, which is a few dozen lines of DER over `crypto.sign`; the npm options weigh
 * 19 dependencies (@peculiar/x509) or default to RSA-2048/SHA-1/365 days (selfsigned). See
 * docs/design.md, "Certificate code".
 *
 * notAfter is 99991231235959Z, RFC 5280 §4.1.2.5's "no well-defined expiration date":
 * nothing here ever expires.
 */
import { KeyObject, X509Certificate, createPublicKey, randomBytes, sign } from 'node:crypto';

const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70]; // 1.3.101.112
const COMMON_NAME_OID = [0x06, 0x03, 0x55, 0x04, 0x03]; // 2.5.4.3

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else if (n < 0x100) head = [tag, 0x81, n];
  else if (n < 0x10000) head = [tag, 0x82, n >> 8, n & 0xff];
  else head = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(head), content]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));

function name(commonName: string): Buffer {
  const cn = seq(Buffer.from(COMMON_NAME_OID), tlv(0x0c, Buffer.from(commonName, 'utf8')));
  return seq(tlv(0x31, cn));
}

/** UTCTime for years before 2050, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

/** Makes a PEM certificate for `privateKey` (Ed25519), named `commonName`, valid from `notBefore` for ever. */
export function selfSignedCertificate(privateKey: KeyObject, commonName: string, notBefore = new Date()): string {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive INTEGER
  serial[0] |= 0x01; // and no leading zero byte to strip
  const algorithm = seq(Buffer.from(ED25519_OID));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version v3
    tlv(0x02, serial),
    algorithm,
    name(commonName),
    seq(time(notBefore), tlv(0x18, Buffer.from('99991231235959Z'))),
    name(commonName),
    spki,
  );
  const signature = sign(null, tbs, privateKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  // Parse it back: a writer bug shows here, at creation, not as a handshake failure later.
  new X509Certificate(der);
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
