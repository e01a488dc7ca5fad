// Certificates and keys (PEM files) and ECDSA P-256 / SHA-256 with DER signatures (protocol.md).
import fs from 'node:fs';
import crypto from 'node:crypto';

export function pemBlocks(text, label = 'CERTIFICATE') {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return text.match(re) ?? [];
}

/** DER of the first certificate of a PEM file (the leaf of a chain file). */
export function leafCertificateDer(pemText) {
  const blocks = pemBlocks(pemText);
  if (blocks.length === 0) throw new Error('no CERTIFICATE in PEM');
  return Buffer.from(new crypto.X509Certificate(blocks[0]).raw);
}

export function loadSigner(certPath, keyPath) {
  const certPem = fs.readFileSync(certPath, 'utf8');
  const certificateDer = leafCertificateDer(certPem);
  const privateKey = crypto.createPrivateKey(fs.readFileSync(keyPath));
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${keyPath}: not an ECDSA P-256 key`);
  }
  return { certificateDer, privateKey, x509: new crypto.X509Certificate(certificateDer) };
}

export function signP256(privateKey, bytes) {
  return crypto.sign('sha256', bytes, { key: privateKey, dsaEncoding: 'der' });
}

export function verifyP256(publicKey, bytes, signatureDer) {
  try {
    return crypto.verify('sha256', bytes, { key: publicKey, dsaEncoding: 'der' }, signatureDer);
  } catch {
    return false;
  }
}
