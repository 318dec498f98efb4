export { loadConfig } from './load-config.js';
export { configSchema, type HubConfig, type ConfigInput } from './schema.js';
