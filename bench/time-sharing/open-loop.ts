/**
 * One process of bench/time-sharing.ts: opens pre-sealed messages with the
 * hub's envelope `open` (jose; ECDH-ES with P-256 and ES256), 16 in flight,
 * for a window after a warm-up, and prints one JSON line: opens a second
 * and CPU microseconds per open (all of this process's threads). It starts
 * its warm-up at START_AT (epoch ms), so that every process of a run
 * competes for the cores over the same window.
 */
import { open, seal, type OpenOptions } from '../../src/envelope/index.js';
import { createTestCa, createTestRecipient, createTestSigner, testClaims } from '../../src/envelope/test-fixtures.js';

const IN_FLIGHT = 16;
const WARMUP_MS = 4000;
const WINDOW_MS = Number(process.env['WINDOW_MS'] ?? 10_000);

const ca = await createTestCa();
const agency = await createTestSigner(ca, 'P-256');
const hubKey = createTestRecipient('P-256', 'hub-enc');
const sealed: string[] = [];
for (let index = 0; index < 256; index += 1) sealed.push(await seal({ claims: testClaims(), signer: agency, recipient: hubKey }));
const options: OpenOptions = {
  decryptionKeys: [hubKey],
  resolveSigner: async () => ({ certificate: agency.certificate, publicKey: agency.certificate.publicKey }),
  audience: 'isp-hub',
  clockSkewSeconds: 60,
  maxLifetimeSeconds: 3600,
  maxBytes: 256 * 1024,
};

const startAt = Number(process.env['START_AT'] ?? Date.now());
while (Date.now() < startAt) await new Promise((resolve) => setTimeout(resolve, 20));
let opened = 0;
let counting = false;
let stop = false;
const loop = async (first: number) => {
  for (let index = first; !stop; index += 1) {
    await open(sealed[index % sealed.length] as string, options);
    if (counting) opened += 1;
  }
};
const loops = Array.from({ length: IN_FLIGHT }, (_, index) => loop(index));
await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
const cpuBefore = process.cpuUsage();
const started = performance.now();
counting = true;
await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
counting = false;
const cpu = process.cpuUsage(cpuBefore);
const seconds = (performance.now() - started) / 1000;
stop = true;
await Promise.all(loops);
process.stdout.write(`${JSON.stringify({ opensPerSecond: Math.round(opened / seconds), cpuMicrosPerOpen: Math.round((cpu.user + cpu.system) / Math.max(1, opened)) })}\n`);
