import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/redis/index.js';

/**
 * Redis's own housekeeping, kept out of the timed windows and counted.
 *
 * With AOF on, Redis rewrites its append-only file in a forked child when
 * the file has doubled since the last rewrite. The fork stalls Redis for
 * tens of milliseconds on this VM (bench:audit prints `latest_fork_usec`)
 * and the child then takes a core for seconds: a rewrite inside a 20-second
 * window sets its p99 by itself. The peak run writes enough to bring one on
 * soon after. So before each timed run the benchmark has Redis rewrite now
 * (BGREWRITEAOF) and waits for it to finish; every fork during a run is
 * still counted and printed beside its figures.
 */
export interface RedisMaintenance {
  /** Rewrites the AOF now and waits until Redis is at rest; returns the fork count so far. */
  settle(): Promise<number>;
  /** Forks Redis has made so far (INFO stats total_forks). */
  forks(): Promise<number>;
  close(): void;
}

export function redisMaintenance(url: string): RedisMaintenance {
  const client = connectRedis({ url }) as Redis;
  const field = async (section: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(await client.info(section))?.[1] ?? 0);
  const busy = async () => (await field('persistence', 'aof_rewrite_in_progress')) + (await field('persistence', 'aof_rewrite_scheduled')) > 0;
  return {
    async settle() {
      while (await busy()) await new Promise((resolve) => setTimeout(resolve, 100));
      await client.bgrewriteaof();
      do await new Promise((resolve) => setTimeout(resolve, 100));
      while (await busy());
      return field('stats', 'total_forks');
    },
    forks: () => field('stats', 'total_forks'),
    close: () => client.disconnect(),
  };
}
