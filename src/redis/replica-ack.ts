import { HubError } from '../errors.js';
import type { RedisClient } from './connect.js';

/**
 * Waits until the writes made so far have reached a number of Redis
 * replicas (Redis WAIT), so that what the hub has acknowledged survives a
 * failover to a replica: Redis replicates asynchronously, and a primary that
 * dies takes with it every write its replicas had not yet received.
 *
 * WAIT counts the writes of the connection that sends it, and the
 * replication stream is one total order, so one round is a write (INCR of a
 * counter under the hub's `{hash tag}`, so that on a Cluster it goes to the
 * primary that holds every hub key) followed by WAIT on the same dedicated
 * connection: once every replica wanted has the counter's new value, it has
 * every write any connection made before it. Callers that arrive while a
 * round is out share the next one, so a burst costs two commands in all,
 * not two per caller, and WAIT never blocks a connection others use.
 */
export interface ReplicaAck {
  /** Resolves once every write acknowledged before the call has reached the configured replicas; UNAVAILABLE (503) otherwise. */
  afterWrites(): Promise<void>;
  /** Replicas each round waits for: 0 turns WAIT off (the embedded default has none). */
  readonly minReplicas: number;
}

export interface ReplicaAckOptions {
  /** A connection of its own: WAIT holds it until the replicas answer. */
  connection: RedisClient;
  /** The counter written before each WAIT, under the hub's `{hash tag}`. */
  counterKey: string;
  /** REDIS_MIN_REPLICAS_ACK */
  minReplicas: number;
  /** REDIS_REPLICA_ACK_TIMEOUT_MS */
  timeoutMs: number;
}

export function createReplicaAck(options: ReplicaAckOptions): ReplicaAck {
  const { connection, counterKey, minReplicas, timeoutMs } = options;
  let running: Promise<void> | undefined;
  let waiting: Promise<void> | undefined;

  async function round(): Promise<void> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await connection.pipeline().incr(counterKey).wait(minReplicas, timeoutMs).exec();
    } catch {
      throw unavailable(0);
    }
    const [counted, waited] = replies ?? [];
    if (!counted || counted[0] || !waited || waited[0]) throw unavailable(0);
    const acknowledged = Number(waited[1]);
    if (acknowledged < minReplicas) throw unavailable(acknowledged);
  }

  function unavailable(acknowledged: number): HubError {
    return new HubError('UNAVAILABLE', 'the hub could not make this durable on enough Redis replicas in time; send the same bytes again', {
      replicasWanted: minReplicas,
      replicasAcknowledged: acknowledged,
    });
  }

  function startRound(): Promise<void> {
    const started = round();
    running = started;
    started.then(
      () => (running === started ? (running = undefined) : undefined),
      () => (running === started ? (running = undefined) : undefined),
    );
    return started;
  }

  return {
    minReplicas,
    afterWrites() {
      if (minReplicas === 0) return Promise.resolve();
      if (!running) return startRound();
      // The round out may have written its counter before this caller's writes: take the next one.
      waiting ??= running
        .catch(() => undefined)
        .then(() => {
          waiting = undefined;
          return startRound();
        });
      return waiting;
    },
  };
}
