export { startEmbeddedRedis, findFreePort, type EmbeddedRedis, type EmbeddedRedisOptions } from './embedded-redis.js';
export { embeddedMaxMemoryBytes, EMBEDDED_MIN_MAXMEMORY_BYTES } from './memory-budget.js';
export { readRedisMemory, type RedisMemory } from './memory-info.js';
export { isRedisFailure, redisFailureLine, unavailableFromRedis } from './redis-errors.js';
export { createReplicaAck, type ReplicaAck, type ReplicaAckOptions } from './replica-ack.js';
export { asClusterWhenItIsOne, connectRedis, keyspace, type RedisClient, type RedisTarget, type ConnectOptions } from './connect.js';
