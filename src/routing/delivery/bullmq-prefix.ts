/**
 * BullMQ joins its own keys as `${prefix}:${queue}:...`; our REDIS_KEY_PREFIX
 * may end in ':' already. Keeping the `{hash tag}` as the whole BullMQ prefix
 * puts every queue key in the hub's one Cluster slot (BullMQ docs, "Redis
 * Cluster").
 */
export function bullPrefix(prefix: string): string {
  return prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
}
