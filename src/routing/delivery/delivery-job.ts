import { z } from 'zod';

/**
 * One delivery: one sealed envelope for one recipient. The intake has already
 * decided, minimised and resealed; this part only moves bytes and records
 * what happened to them.
 */

/** Agency ids as the registry spells them (policies/agencies.yaml). */
export const agencyIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
/**
 * Message ids travel in BullMQ job ids, Redis keys and audit entries: no ':'
 * (BullMQ refuses custom ids containing one), never only digits.
 */
export const messageIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,120}$/)
  .refine((value) => !/^\d+$/.test(value), 'a message id must not be only digits');

/** A compact JWE (RFC 7516 s.7.1): five base64url parts. */
const compactJweSchema = z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

export const deliveryJobSchema = z
  .strictObject({
    messageId: messageIdSchema,
    recipientAgencyId: agencyIdSchema,
    sender: agencyIdSchema,
    messageType: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    jwe: compactJweSchema,
    mode: z.enum(['push', 'pull']),
    url: z
      .string()
      .url()
      .refine((value) => value.startsWith('https://'), 'push endpoints are https only')
      .optional(),
    /** Epoch ms when the intake accepted the message: the start of the delivery latency. */
    enqueuedAt: z.number().int().nonnegative(),
    /** How many times an operator replayed this delivery from the dead letters. */
    replays: z.number().int().nonnegative().default(0),
  })
  .refine((job) => (job.mode === 'push') === (job.url !== undefined), 'push deliveries need a url, pull deliveries none');

export type DeliveryJob = z.output<typeof deliveryJobSchema>;
export type DeliveryJobInput = z.input<typeof deliveryJobSchema>;

/** Parses job data built inside the hub; a failure is a programming mistake, not the caller's. */
export function parseDeliveryJob(data: unknown): DeliveryJob {
  const parsed = deliveryJobSchema.safeParse(data);
  if (!parsed.success) {
    throw new TypeError(`invalid delivery job: ${parsed.error.issues.map((issue) => issue.path.join('.') || '(job)').join(', ')}`);
  }
  return parsed.data;
}

/** The operator-facing id of one delivery, as `isp-hub deliveries replay --id` takes it. */
export function deliveryIdFor(messageId: string, recipientAgencyId: string): string {
  return `${messageId}:${recipientAgencyId}`;
}

export function parseDeliveryId(deliveryId: string): { messageId: string; recipientAgencyId: string } | undefined {
  const separator = deliveryId.lastIndexOf(':');
  if (separator <= 0) return undefined;
  const messageId = messageIdSchema.safeParse(deliveryId.slice(0, separator));
  const recipient = agencyIdSchema.safeParse(deliveryId.slice(separator + 1));
  if (!messageId.success || !recipient.success) return undefined;
  return { messageId: messageId.data, recipientAgencyId: recipient.data };
}

/**
 * One BullMQ queue per recipient, so a slow or dead endpoint only ever holds
 * up its own queue. Queue names may not contain ':'.
 */
export function queueNameFor(recipientAgencyId: string): string {
  return `delivery-${recipientAgencyId}`;
}

/**
 * Inside a recipient's queue the message id alone is unique; it is the BullMQ
 * job id, so an enqueue retried after a crash is a no-op while the first job
 * exists. The `m-` keeps BullMQ from mistaking an id for an integer.
 */
export function jobIdFor(messageId: string): string {
  return `m-${messageId}`;
}
