export { DEFAULT_METRICS_PORT, loadConfig, metricsPortOf } from './load-config.js';
export { configSchema, type HubConfig, type ConfigInput } from './schema.js';
