import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';
import { HubError } from '../errors.js';

function configError(env: NodeJS.ProcessEnv): HubError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment, frozen', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8443);
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.REDIS_KEY_PREFIX).toBe('{isp}');
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('coerces numbers and lists', () => {
    const config = loadConfig({ PORT: '9443', TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2' });
    expect(config.PORT).toBe(9443);
    expect(config.TRUSTED_PROXIES).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('names the variable that is wrong, without echoing its value', () => {
    const error = configError({ PORT: 'not-a-port-s3cret' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('PORT');
    expect(error.message).not.toContain('s3cret');
    expect(error.details?.['variables']).toEqual(['PORT']);
  });

  it('refuses a key prefix without a hash tag', () => {
    expect(configError({ REDIS_KEY_PREFIX: 'isp:' }).message).toContain('REDIS_KEY_PREFIX');
  });

  it('requires secrets in production', () => {
    const error = configError({ NODE_ENV: 'production' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('SUBJECT_KEY_SECRET');
    expect(error.message).toContain('FLAG_ENCRYPTION_KEY');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8443);
  });
});
