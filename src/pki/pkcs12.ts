import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { HubError } from '../errors.js';
import { keyBelongsTo, readPrivateKeyPem } from './keys.js';
import { readCertificatePem, readCertificatesPem } from './pem.js';

export interface Pkcs12Input {
  certificatePem: string;
  privateKeyPem: string;
  /** The issuing CA certificate(s), added as further certificate bags. */
  chainPem?: string;
  password: string;
  /** Shown by key stores (RFC 7292 friendlyName attribute). */
  friendlyName?: string;
}

/**
 * PBKDF2 and MAC iterations: OpenSSL 3's own PKCS#12 default (PKCS12_DEFAULT_ITER).
 * forge runs both derivations in JavaScript, so more would make the CLI slow
 * for little gain: the bundle's password is the real protection.
 */
const ITERATIONS = 2048;

const { asn1, pki } = forge;
const seq = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const set = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items);
const oid = (value: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());
const octets = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const explicit0 = (item: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [item]);
const integer = (value: number) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes());
const binary = (buffer: Buffer) => buffer.toString('binary');

/** PKCS#7 ContentInfo of type data (RFC 2315 s.8) wrapping DER bytes. */
function dataContentInfo(der: string): forge.asn1.Asn1 {
  return seq([oid(pki.oids.data as string), explicit0(octets(der))]);
}

/**
 * A password-protected PKCS#12 bundle (RFC 7292) holding a certificate, its
 * private key and the CA chain, as agency TLS stacks and key stores import it.
 *
 * node-forge's toPkcs12Asn1 only accepts forge's own RSA key and certificate
 * objects, and forge cannot parse EC or Ed25519 ones at all. So the bundle is
 * assembled here from DER with forge.asn1, and forge does only what it does
 * well: PBES2 encryption of the PKCS#8 PrivateKeyInfo (AES-256-CBC with
 * PBKDF2-HMAC-SHA256, RFC 8018) and the PKCS#12 MAC. Certificates go in as
 * DER octets untouched, so any key type works.
 */
export function toPkcs12(input: Pkcs12Input): Buffer {
  if (typeof input.password !== 'string' || input.password.length === 0) {
    throw new HubError('BAD_REQUEST', 'a PKCS#12 bundle needs a non-empty password');
  }
  const certificate = readCertificatePem(input.certificatePem);
  const chain = input.chainPem ? readCertificatesPem(input.chainPem) : [];
  const privateKey = readPrivateKeyPem(input.privateKeyPem);
  if (!keyBelongsTo(privateKey, certificate)) {
    throw new HubError('BAD_REQUEST', 'the private key does not belong to the certificate');
  }

  // localKeyId pairs the key bag with its certificate bag (RFC 7292 s.4.2, PKCS#9).
  const localKeyId = binary(createHash('sha1').update(certificate.raw).digest());
  const attributes = [seq([oid(pki.oids.localKeyId as string), set([octets(localKeyId)])])];
  if (input.friendlyName) {
    attributes.push(
      seq([oid(pki.oids.friendlyName as string), set([asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, input.friendlyName)])]),
    );
  }
  const bagAttributes = set(attributes);

  const certificateBag = (der: Buffer, withAttributes: boolean): forge.asn1.Asn1 =>
    seq([
      oid(pki.oids.certBag as string),
      explicit0(seq([oid(pki.oids.x509Certificate as string), explicit0(octets(binary(der)))])),
      ...(withAttributes ? [bagAttributes] : []),
    ]);
  const certificateBags = [certificateBag(certificate.raw, true), ...chain.map((item) => certificateBag(item.raw, false))];

  const privateKeyInfo = asn1.fromDer(binary(privateKey.export({ type: 'pkcs8', format: 'der' })));
  const encryptedKey = pki.encryptPrivateKeyInfo(privateKeyInfo, input.password, {
    algorithm: 'aes256',
    prfAlgorithm: 'sha256',
    count: ITERATIONS,
    saltSize: 16,
  } as forge.pki.EncryptionOptions);
  const keyBag = seq([oid(pki.oids.pkcs8ShroudedKeyBag as string), explicit0(encryptedKey), bagAttributes]);

  const authenticatedSafe = seq([
    dataContentInfo(asn1.toDer(seq(certificateBags)).getBytes()),
    dataContentInfo(asn1.toDer(seq([keyBag])).getBytes()),
  ]);
  const safeDer = asn1.toDer(authenticatedSafe).getBytes();

  // RFC 7292 s.5 / appendix B: MAC key from the PKCS#12 KDF (id 3), HMAC-SHA-256.
  const macSalt = forge.random.getBytesSync(16);
  const macKey = forge.pkcs12.generateKey(input.password, forge.util.createBuffer(macSalt), 3, ITERATIONS, 32, forge.md.sha256.create());
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey);
  hmac.update(safeDer);
  const macData = seq([
    seq([seq([oid(pki.oids.sha256 as string), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(macSalt),
    integer(ITERATIONS),
  ]);

  const pfx = seq([integer(3), dataContentInfo(safeDer), macData]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}
