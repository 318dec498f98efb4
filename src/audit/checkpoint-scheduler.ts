import type { Logger } from '../logger.js';
import type { AuditLog } from './log.js';

export interface CheckpointSchedulerOptions {
  log: AuditLog;
  /** AUDIT_CHECKPOINT_EVERY: sign once this many entries have been appended since the last checkpoint. */
  everyEntries: number;
  /** AUDIT_CHECKPOINT_SECONDS: and at least this often while the log grows. */
  everySeconds: number;
  logger?: Logger;
}

/**
 * Signs checkpoints every N entries or T seconds, whichever comes first.
 * Several hub processes may each run one: a process that knows another is
 * the log's sequencer leaves signing to it, and a process signs only when
 * the log has grown past the newest checkpoint, so they add little
 * duplication; any extra checkpoint is still a true statement about the log.
 */
export class CheckpointScheduler {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private signedSize = -1;
  /** The code of the last failure logged: a failure that repeats every tick is logged once, not every tick. */
  private failing: string | undefined;

  constructor(private readonly options: CheckpointSchedulerOptions) {
    if (!(options.everyEntries >= 1) || !(options.everySeconds > 0)) throw new TypeError('checkpoint intervals must be positive');
  }

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.options.log.onAppended((_, treeSize) => {
      if (treeSize - Math.max(0, this.signedSize) >= this.options.everyEntries) this.trigger();
    });
    this.timer = setInterval(() => this.trigger(), this.options.everySeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a checkpoint being signed; may be called twice. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.again = false;
    await this.running;
  }

  /** Signs now if the log grew since the last checkpoint; resolves when done. */
  async checkpointNow(): Promise<void> {
    this.trigger();
    while (this.running) await this.running;
  }

  private trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.signIfGrown().finally(() => {
      this.running = undefined;
      if (this.again && this.timer) {
        this.again = false;
        this.trigger();
      }
    });
  }

  private async signIfGrown(): Promise<void> {
    try {
      const { log } = this.options;
      // The sequencer signs: another process holding the lease integrates and checkpoints for all.
      if (log.isFollower()) return;
      const size = await log.size();
      if (size === 0 || size === this.signedSize) return;
      const latest = await log.latestCheckpoint();
      if (latest && latest.checkpoint.treeSize >= size) {
        this.signedSize = latest.checkpoint.treeSize;
        return;
      }
      const signed = await log.checkpoint();
      this.signedSize = signed.checkpoint.treeSize;
      this.failing = undefined;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const failure = typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
      if (failure === this.failing) return;
      this.failing = failure;
      // A halted log or a store that is not shared explains itself in its own line; this one says signing stopped.
      this.options.logger?.error('audit checkpoint failed; retrying quietly until it succeeds', { event: 'audit.checkpoint-failed', code: failure, error });
    }
  }
}
