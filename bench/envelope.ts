/**
 * bench:envelope — what the envelope layer costs.
 *
 * For each supported algorithm pair, the hub's per-message crypto: `open` an
 * agency's envelope, then `seal` the claims again to one recipient, with 1
 * and 16 operations in flight. Beside it, in the same run, the same
 * cryptography done directly with node:crypto primitives (ECDH / RSA-OAEP,
 * Concat KDF, AES key wrap, AES-256-GCM, ECDSA / Ed25519 / RSA-PSS), producing
 * and reading the same compact serialisations, and a "naive jose" column that
 * hands KeyObjects straight to jose the way a first implementation would.
 *
 * Prints figures; asserts nothing about time. Run: npm run bench:envelope
 * A second table times each layer operation alone (sign, verify, encrypt,
 * decrypt) in CPU microseconds, which is what the choice of default keys rests on.
 * Options: BENCH_PRIMITIVES=0 skips that table; BENCH_SECONDS (default 2 per cell), BENCH_PAIRS (comma-separated
 * substrings of the pair labels, e.g. "mixed,P-256").
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPair,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as signCallback,
  verify as verifyCallback,
  type KeyObject,
  type X509Certificate,
} from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { compactDecrypt, compactVerify, CompactEncrypt, CompactSign } from 'jose';
import {
  jweAlgorithmForKey,
  jwsAlgorithmForKey,
  open,
  seal,
  type EnvelopeClaims,
  type JweKeyAlgorithm,
  type JwsAlgorithm,
  type OpenOptions,
} from '../src/envelope/index.js';
import { cryptoKeyFor } from '../src/envelope/keys.js';
import { thumbprintS256 } from '../src/pki/thumbprint.js';
import {
  createTestCa,
  createTestRecipient,
  createTestSigner,
  testClaims,
  type TestRecipient,
  type TestSigner,
} from '../src/envelope/test-fixtures.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const POOL = 256;

type SignerKind = 'P-256' | 'Ed25519' | 'RSA-2048';
type RecipientKind = 'P-256' | 'X25519' | 'RSA-2048';
interface Pair {
  label: string;
  signer: SignerKind;
  recipient: RecipientKind;
}
const ALL_PAIRS: Pair[] = [
  { label: 'P-256: ES256 + ECDH-ES+A256KW', signer: 'P-256', recipient: 'P-256' },
  { label: 'Ed25519 + X25519: EdDSA + ECDH-ES+A256KW', signer: 'Ed25519', recipient: 'X25519' },
  { label: 'RSA-2048: PS256 + RSA-OAEP-256', signer: 'RSA-2048', recipient: 'RSA-2048' },
  // Mixed: algorithms follow key types, so a party may sign with one family and receive with another.
  // The defaults (DEFAULT_ENVELOPE_ALGORITHMS): P-256 signing keys, RSA-2048 encryption keys.
  { label: 'mixed: ES256 + RSA-OAEP-256', signer: 'P-256', recipient: 'RSA-2048' },
  // The former defaults, P-256 signing and X25519 encryption keys, for comparison.
  { label: 'mixed: ES256 + ECDH-ES+A256KW (X25519)', signer: 'P-256', recipient: 'X25519' },
  { label: 'mixed: EdDSA + RSA-OAEP-256', signer: 'Ed25519', recipient: 'RSA-2048' },
];

interface Parties {
  agency: TestSigner;
  hub: TestSigner;
  hubKey: TestRecipient;
  recipientKey: TestRecipient;
  inbound: string[];
}

// ---------------------------------------------------------------- raw node:crypto

const signAsync = promisify(signCallback) as (alg: string | null, data: Buffer, key: unknown) => Promise<Buffer>;
const verifyAsync = promisify(verifyCallback) as (alg: string | null, data: Buffer, key: unknown, sig: Buffer) => Promise<boolean>;
const generateKeyPairAsync = promisify(generateKeyPair) as (type: string, options?: object) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
const b64u = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const AES_KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex'); // RFC 3394 s.2.2.3.1

function lengthPrefixed(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** Concat KDF of RFC 7518 s.4.6.2 for one 256-bit output, empty apu/apv. */
function concatKdf(z: Buffer, alg: string): Buffer {
  const otherInfo = Buffer.concat([lengthPrefixed(Buffer.from(alg)), lengthPrefixed(Buffer.alloc(0)), lengthPrefixed(Buffer.alloc(0)), Buffer.from([0, 0, 1, 0])]);
  return createHash('sha256').update(Buffer.from([0, 0, 0, 1])).update(z).update(otherInfo).digest();
}

function signatureOptions(key: KeyObject): { alg: string | null; key: object } {
  if (key.asymmetricKeyType === 'ec') return { alg: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' } };
  if (key.asymmetricKeyType === 'rsa') return { alg: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
  return { alg: null, key };
}

function rawDecrypt(compact: string, privateKey: KeyObject): string {
  const [h, ek, iv, ct, tag] = compact.split('.') as [string, string, string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  let cek: Buffer;
  if (header.alg === 'RSA-OAEP-256') {
    cek = privateDecrypt({ key: privateKey, oaepHash: 'sha256', padding: constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from(ek, 'base64url'));
  } else {
    const epk = createPublicKey({ key: header.epk, format: 'jwk' });
    const kek = concatKdf(diffieHellman({ privateKey, publicKey: epk }), header.alg);
    const unwrap = createDecipheriv('id-aes256-wrap', kek, AES_KW_IV);
    cek = Buffer.concat([unwrap.update(Buffer.from(ek, 'base64url')), unwrap.final()]);
  }
  const gcm = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'));
  gcm.setAAD(Buffer.from(h));
  gcm.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([gcm.update(Buffer.from(ct, 'base64url')), gcm.final()]).toString();
}

async function rawVerify(jws: string, resolve: (thumbprint: string) => X509Certificate): Promise<Record<string, unknown>> {
  const [sh, sp, ss] = jws.split('.') as [string, string, string];
  const jwsHeader = JSON.parse(Buffer.from(sh, 'base64url').toString());
  const publicKey = resolve(jwsHeader['x5t#S256']).publicKey;
  const { alg, key } = signatureOptions(publicKey);
  if (!(await verifyAsync(alg, Buffer.from(`${sh}.${sp}`), key, Buffer.from(ss, 'base64url')))) throw new Error('raw verify failed');
  return JSON.parse(Buffer.from(sp, 'base64url').toString());
}

async function rawOpen(compact: string, privateKey: KeyObject, resolve: (thumbprint: string) => X509Certificate): Promise<Record<string, unknown>> {
  return rawVerify(rawDecrypt(compact, privateKey), resolve);
}

async function rawSign(claims: object, signer: TestSigner): Promise<string> {
  const jwsAlg = signer.kind === 'P-256' ? 'ES256' : signer.kind === 'Ed25519' ? 'EdDSA' : 'PS256';
  const signingInput = `${b64u(JSON.stringify({ alg: jwsAlg, typ: 'isp-message+jws', 'x5t#S256': signer.thumbprint }))}.${b64u(JSON.stringify(claims))}`;
  const { alg, key } = signatureOptions(signer.privateKey);
  return `${signingInput}.${b64u(await signAsync(alg, Buffer.from(signingInput), key))}`;
}

async function rawEncrypt(jws: string, recipient: TestRecipient): Promise<string> {
  const cek = randomBytes(32);
  const header: Record<string, unknown> = { enc: 'A256GCM', cty: 'isp-message+jws', kid: recipient.kid };
  let encryptedKey: Buffer;
  if (recipient.kind === 'RSA-2048') {
    header.alg = 'RSA-OAEP-256';
    encryptedKey = publicEncrypt({ key: recipient.publicKey, oaepHash: 'sha256', padding: constants.RSA_PKCS1_OAEP_PADDING }, cek);
  } else {
    header.alg = 'ECDH-ES+A256KW';
    const ephemeral =
      recipient.kind === 'X25519' ? await generateKeyPairAsync('x25519') : await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    const { d: _private, ...epk } = ephemeral.privateKey.export({ format: 'jwk' });
    header.epk = epk;
    const kek = concatKdf(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.publicKey }), 'ECDH-ES+A256KW');
    const wrap = createCipheriv('id-aes256-wrap', kek, AES_KW_IV);
    encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  }
  const h = b64u(JSON.stringify(header));
  const iv = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', cek, iv);
  gcm.setAAD(Buffer.from(h));
  const ct = Buffer.concat([gcm.update(jws), gcm.final()]);
  return [h, b64u(encryptedKey), b64u(iv), b64u(ct), b64u(gcm.getAuthTag())].join('.');
}

async function rawSeal(claims: object, signer: TestSigner, recipient: TestRecipient): Promise<string> {
  return rawEncrypt(await rawSign(claims, signer), recipient);
}

// ---------------------------------------------------------------- naive jose (KeyObjects in, no pre-checks, no memo)

async function naiveOpen(compact: string, hubKey: TestRecipient, agency: TestSigner): Promise<Record<string, unknown>> {
  const { plaintext } = await compactDecrypt(compact, hubKey.privateKey, { keyManagementAlgorithms: ['ECDH-ES+A256KW', 'RSA-OAEP-256'], contentEncryptionAlgorithms: ['A256GCM'] });
  // A registry hands out `certificate.publicKey`, a fresh KeyObject on every read.
  const { payload } = await compactVerify(new TextDecoder().decode(plaintext), agency.certificate.publicKey, { algorithms: ['ES256', 'EdDSA', 'PS256'] });
  return JSON.parse(new TextDecoder().decode(payload));
}

async function naiveSeal(claims: object, signer: TestSigner, recipient: TestRecipient): Promise<string> {
  const alg = signer.kind === 'P-256' ? 'ES256' : signer.kind === 'Ed25519' ? 'EdDSA' : 'PS256';
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg, typ: 'isp-message+jws', 'x5t#S256': thumbprintS256(signer.certificate) })
    .sign(signer.privateKey);
  return new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({ alg: recipient.kind === 'RSA-2048' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'isp-message+jws', kid: recipient.kid })
    .encrypt(recipient.publicKey);
}

// ---------------------------------------------------------------- harness

const only = process.env.BENCH_PAIRS?.split(',').map((label) => label.trim().toLowerCase());
const PAIRS = only ? ALL_PAIRS.filter((pair) => only.some((wanted) => pair.label.toLowerCase().includes(wanted))) : ALL_PAIRS;

async function setUp(pair: Pair): Promise<Parties> {
  const ca = await createTestCa();
  const agency = await createTestSigner(ca, pair.signer);
  const hub = await createTestSigner(ca, pair.signer, { subject: 'CN=isp-hub,O=Northvale Test Scheme' });
  const hubKey = createTestRecipient(pair.recipient, 'hub-enc');
  const recipientKey = createTestRecipient(pair.recipient, 'northvale-probation-enc');
  const inbound: string[] = [];
  for (let i = 0; i < POOL; i += 1) inbound.push(await seal({ claims: testClaims(), signer: agency, recipient: hubKey }));
  return { agency, hub, hubKey, recipientKey, inbound };
}

function outboundClaims(claims: Record<string, unknown>): EnvelopeClaims {
  return { ...(claims as EnvelopeClaims), iss: 'isp-hub', aud: 'northvale-probation', jti: `${String(claims.jti)}:1` };
}

type Operation = (index: number) => Promise<unknown>;
interface Tally {
  operations: number;
  wallMs: number;
  cpuMicros: number;
}

/** Runs one operation with `inFlight` concurrent loops for a slice of time, adding to a tally. */
async function slice(operation: Operation, inFlight: number, ms: number, tally: Tally): Promise<void> {
  let done = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await operation(tally.operations + done);
        done += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  tally.operations += done;
  tally.wallMs += performance.now() - started;
  tally.cpuMicros += cpu.user + cpu.system;
}

/**
 * Measures several implementations in interleaved slices, so that load from
 * other processes on a shared machine falls on all of them alike. Reports
 * wall-clock msg/s and msg per CPU-second of this process (all its threads,
 * the libuv pool included), which is the figure that survives a busy machine.
 */
async function compare(operations: Operation[], inFlight: number): Promise<Array<{ wall: number; perCpu: number }>> {
  for (const operation of operations) for (let i = 0; i < 32; i += 1) await operation(i); // warm-up: JIT, key imports
  const tallies = operations.map(() => ({ operations: 0, wallMs: 0, cpuMicros: 0 }));
  const rounds = Math.max(1, Math.round(SECONDS * 4));
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, operation] of operations.entries()) await slice(operation, inFlight, (SECONDS * 1000) / rounds, tallies[index] as Tally);
  }
  return tallies.map((tally) => ({ wall: tally.operations / (tally.wallMs / 1000), perCpu: tally.operations / (tally.cpuMicros / 1e6) }));
}

async function main(): Promise<void> {
  console.log(`bench:envelope  node ${process.version}, ${availableParallelism()} cores, jose ${(await import('jose/package.json', { with: { type: 'json' } }).catch(() => ({ default: { version: '?' } }))).default.version}, ${SECONDS}s per cell`);
  console.log('one operation = open an inbound envelope + seal the claims again to one recipient');
  console.log('msg/s: wall clock; /cpu-s: operations per CPU-second of this process (all threads); ratio: against raw /cpu-s\n');
  const rows: string[][] = [
    ['algorithm pair', 'in flight', 'raw msg/s', 'envelope msg/s', 'naive jose msg/s', 'raw /cpu-s', 'envelope /cpu-s', 'ratio', 'naive /cpu-s', 'ratio'],
  ];
  for (const pair of PAIRS) {
    const parties = await setUp(pair);
    const certificates = new Map([[parties.agency.thumbprint, parties.agency.certificate]]);
    const resolveRaw = (thumbprint: string) => certificates.get(thumbprint) as X509Certificate;
    const options: OpenOptions = {
      decryptionKeys: [parties.hubKey],
      // As a registry would: a Map lookup, the certificate's key read on each call.
      resolveSigner: async (thumbprint) => {
        const certificate = certificates.get(thumbprint) as X509Certificate;
        return { certificate, publicKey: certificate.publicKey };
      },
      audience: 'isp-hub',
      clockSkewSeconds: 60,
      maxLifetimeSeconds: 3600,
      maxBytes: 256 * 1024,
    };
    const pick = (i: number) => parties.inbound[i % POOL] as string;

    // The raw path must read what the envelope writes and the reverse, or the comparison is void.
    const rawOut = await rawSeal(outboundClaims(await rawOpen(pick(0), parties.hubKey.privateKey, resolveRaw)), parties.hub, parties.recipientKey);
    await open(rawOut, { ...options, decryptionKeys: [parties.recipientKey], audience: 'northvale-probation', resolveSigner: async () => ({ certificate: parties.hub.certificate, publicKey: parties.hub.certificate.publicKey }) });

    const raw: Operation = async (i) =>
      rawSeal(outboundClaims(await rawOpen(pick(i), parties.hubKey.privateKey, resolveRaw)), parties.hub, parties.recipientKey);
    const envelope: Operation = async (i) =>
      seal({ claims: outboundClaims((await open(pick(i), options)).claims), signer: parties.hub, recipient: parties.recipientKey });
    const naive: Operation = async (i) => naiveSeal(outboundClaims(await naiveOpen(pick(i), parties.hubKey, parties.agency)), parties.hub, parties.recipientKey);

    for (const inFlight of [1, 16]) {
      const [r, e, n] = (await compare([raw, envelope, naive], inFlight)) as [{ wall: number; perCpu: number }, { wall: number; perCpu: number }, { wall: number; perCpu: number }];
      const percent = (value: number) => `${((value / r.perCpu) * 100).toFixed(0)}%`;
      rows.push([pair.label, String(inFlight), r.wall.toFixed(0), e.wall.toFixed(0), n.wall.toFixed(0), r.perCpu.toFixed(0), e.perCpu.toFixed(0), percent(e.perCpu), n.perCpu.toFixed(0), percent(n.perCpu)]);
    }
  }
  printTable(rows);
  if (process.env.BENCH_PRIMITIVES !== '0') await primitives();
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(`| ${row.map((cell, column) => (column >= 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`);
    if (index === 0) console.log(`|${widths.map((width, column) => (column >= 1 ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`);
  }
}

/**
 * Where the time goes: each layer operation alone, one in flight, in CPU
 * microseconds, jose (with the envelope's memoised CryptoKeys) beside
 * node:crypto. Shows which key type is cheap for which role.
 */
async function primitives(): Promise<void> {
  console.log('\nper operation, 1 in flight, CPU microseconds (lower is better)\n');
  const ca = await createTestCa();
  const claims = testClaims();
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  const rows: string[][] = [['operation', 'node:crypto us', 'jose us', 'jose / node']];
  const measure = async (label: string, raw: Operation, viaJose: Operation) => {
    const [r, j] = (await compare([raw, viaJose], 1)) as unknown as [{ perCpu: number }, { perCpu: number }];
    rows.push([label, (1e6 / r.perCpu).toFixed(0), (1e6 / j.perCpu).toFixed(0), `${(r.perCpu / j.perCpu).toFixed(1)}x`]);
  };
  for (const kind of ['P-256', 'Ed25519', 'RSA-2048'] as const) {
    const signer = await createTestSigner(ca, kind);
    const alg = jwsAlgorithmForKey(signer.privateKey) as JwsAlgorithm;
    const signKey = await cryptoKeyFor(signer.privateKey, alg);
    const verifyKey = await cryptoKeyFor(signer.publicKey, alg);
    const jws = await rawSign(claims, signer);
    const resolve = () => signer.certificate;
    await measure(`${alg} sign`, () => rawSign(claims, signer), () => new CompactSign(payload).setProtectedHeader({ alg }).sign(signKey));
    await measure(`${alg} verify`, () => rawVerify(jws, resolve), () => compactVerify(jws, verifyKey, { algorithms: [alg] }));
  }
  for (const kind of ['P-256', 'X25519', 'RSA-2048'] as const) {
    const recipient = createTestRecipient(kind);
    const alg = jweAlgorithmForKey(recipient.publicKey) as JweKeyAlgorithm;
    const encryptKey = await cryptoKeyFor(recipient.publicKey, alg);
    const decryptKey = await cryptoKeyFor(recipient.privateKey, alg);
    const jws = new TextDecoder().decode(payload);
    const jwe = await rawEncrypt(jws, recipient);
    const label = `${alg} (${kind})`;
    await measure(`${label} encrypt`, () => rawEncrypt(jws, recipient), () =>
      new CompactEncrypt(payload).setProtectedHeader({ alg, enc: 'A256GCM' }).encrypt(encryptKey),
    );
    await measure(`${label} decrypt`, async () => rawDecrypt(jwe, recipient.privateKey), () =>
      compactDecrypt(jwe, decryptKey, { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] }),
    );
  }
  printTable(rows);
}

await main();
