/**
 * Delivery, with tracking and dead-letter replay: push over
 * mutual TLS with retries and dead letters, the pull inbox, and per-message
 * tracking for the sender.
 */
export { createDelivery, type Delivery, type DeliveryDependencies, type DeliverySettings } from './create-delivery.js';
export { deliverySettingsFrom } from './settings-from-config.js';
export { createDeliveryService, type DeliveryService, type DeliveryRequest, type ReplayOptions } from './delivery-service.js';
export { createInboxCursors, inboxCursorKey, type InboxCursors } from './inbox-cursor.js';
export { createInbox, type Inbox, type InboxEntry, type InboxListing, INBOX_PAGE_DEFAULT, INBOX_PAGE_MAX } from './inbox.js';
export { createInboxStore, type InboxStore } from './inbox-store.js';
export {
  createTrackingStore,
  TRACKING_STATES,
  type TrackingStore,
  type TrackingState,
  type MessageTracking,
  type RecipientTracking,
  type AcceptedRecipient,
} from './tracking-store.js';
export { createDeadLetterStore, type DeadLetter, type DeadLetterStore } from './dead-letter-store.js';
export { createDeliveryQueue, type DeliveryQueue, type QueueDepth } from './delivery-queue.js';
export { createDeliveryWorkers, type DeliveryWorkers } from './delivery-workers.js';
export { createDeliveryProcessor, MESSAGE_ID_HEADER, REDELIVERY_HEADER, type DeliveryProcessor } from './delivery-processor.js';
export { createPushClient, type PushClient, type PushTls, type PushResult } from './push-client.js';
export { deliveryIdFor, parseDeliveryId, type DeliveryJob, type DeliveryJobInput } from './delivery-job.js';
export { jitteredBackoff } from './backoff.js';
export type { AuditSink, DeliveryMetrics, DeliveryRoute, Clock } from './ports.js';
