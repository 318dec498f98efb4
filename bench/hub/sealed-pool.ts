import type { AgencyClient } from '../../src/client/index.js';

/**
 * Seals `count` distinct messages (each with its own jti, so the hub takes
 * every one as new) before a timed run, 8 at a time: the sender's signing
 * and encryption then does not share the machine's cores with the hub while
 * it is measured.
 */
export async function sealMany(client: AgencyClient, message: Record<string, unknown>, count: number): Promise<string[]> {
  const sealed: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sealed.length < count) sealed.push((await client.sealForHub(message as never)).jwe);
    }),
  );
  return sealed.slice(0, count);
}
