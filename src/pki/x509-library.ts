// @peculiar/x509 uses TypeScript decorator metadata through tsyringe, which
// needs the Reflect polyfill loaded before the library itself.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's own WebCrypto (OpenSSL underneath), never a JavaScript fallback.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** The signature algorithm parameter of X509CertificateGenerator.create (a WebCrypto Algorithm). */
export type SigningAlgorithm = NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[0]['signingAlgorithm']>;
