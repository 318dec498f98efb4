/** How much memory Redis uses, against the bound it works within. */
export interface RedisMemory {
  usedBytes: number;
  /** `maxmemory`; or, when Redis has none (0), the machine's memory, which is then the real bound. */
  limitBytes: number;
  /** Whether `limitBytes` is Redis's own `maxmemory`. */
  maxmemorySet: boolean;
}

/** Reads INFO memory (`used_memory`, `maxmemory`, `total_system_memory`). */
export async function readRedisMemory(redis: { info(section: string): Promise<string> }): Promise<RedisMemory> {
  const fields = new Map<string, string>();
  for (const line of (await redis.info('memory')).split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const number = (name: string) => Number(fields.get(name) ?? '0') || 0;
  const maxmemory = number('maxmemory');
  return { usedBytes: number('used_memory'), limitBytes: maxmemory > 0 ? maxmemory : number('total_system_memory'), maxmemorySet: maxmemory > 0 };
}
