import type { Redis } from 'ioredis';

/**
 * Redis's own housekeeping, kept out of the benchmarks' timed windows and
 * counted (bench:audit and the hub benchmark).
 *
 * With AOF on, Redis rewrites its append-only file in a forked child when
 * the file has doubled since the last rewrite. The fork stalls Redis for
 * tens of milliseconds on this VM (`latest_fork_usec`) and the child then
 * takes a core for seconds: a rewrite inside a timed window sets its tail
 * by itself. A benchmark waits for Redis to be at rest before timing, or
 * (the hub benchmark, whose peak run writes enough to bring one on soon
 * after) has it rewrite now and waits for that; every fork during a timed
 * run is still counted and printed beside its figures.
 */
export interface RedisMaintenance {
  /** Waits until no AOF rewrite is running or scheduled; returns the fork count so far and the latest fork's stall. */
  atRest(): Promise<{ forks: number; latestForkUsec: number }>;
  /** Rewrites the AOF now (BGREWRITEAOF) and waits until Redis is at rest; returns the fork count so far. */
  settle(): Promise<number>;
  /** Forks Redis has made so far (INFO stats total_forks). */
  forks(): Promise<number>;
}

export function redisMaintenance(client: Redis): RedisMaintenance {
  const field = async (section: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(await client.info(section))?.[1] ?? 0);
  const busy = async () => (await field('persistence', 'aof_rewrite_in_progress')) + (await field('persistence', 'aof_rewrite_scheduled')) > 0;
  const atRest = async () => {
    while (await busy()) await new Promise((resolve) => setTimeout(resolve, 100));
    return { forks: await field('stats', 'total_forks'), latestForkUsec: await field('stats', 'latest_fork_usec') };
  };
  return {
    atRest,
    async settle() {
      await atRest();
      await client.bgrewriteaof();
      // BGREWRITEAOF only starts the rewrite: give INFO a moment to show it before waiting on it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return (await atRest()).forks;
    },
    forks: () => field('stats', 'total_forks'),
  };
}
