import winston from 'winston';

/**
 * Operational logs: JSON lines for the operator on call. Never personal data,
 * never record values, never stack traces of outside input: callers log codes,
 * ids and counts. The audit log is a separate, typed service (src/audit).
 */
export type Logger = winston.Logger;

export function createLogger(options: { level?: string; silent?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), redactErrors(), winston.format.json()),
    defaultMeta: { service: 'isp-hub' },
    transports: [transport],
  });
}

/** An Error passed as metadata becomes its name and code only: no message, no stack. */
const redactErrors = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      info[key] = { name: value.name, ...(typeof code === 'string' ? { code } : {}) };
    }
  }
  return info;
});
