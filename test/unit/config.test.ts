import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded emulator when no credentials are set', () => {
    const config = loadConfig({});
    expect(config.credentials).toBeUndefined();
    expect(config).toMatchObject({ port: 4001, graphUrl: 'https://graph.oculus.com', cacheTtlMs: 60_000 });
  });

  it('reads credentials and limits from the environment', () => {
    const config = loadConfig({
      HORIZON_APP_ID: '123',
      HORIZON_APP_SECRET: 's3cret',
      AUTH_DISABLED: 'true',
      PORT: '5000',
      CACHE_TTL_SECONDS: '0',
      HORIZON_TIMEOUT_MS: '2500',
    });
    expect(config.credentials).toEqual({ appId: '123', appSecret: 's3cret' });
    expect(config).toMatchObject({ port: 5000, cacheTtlMs: 0, timeoutMs: 2500 });
  });

  it('refuses one credential without the other, naming the variable', () => {
    expect(() => loadConfig({ HORIZON_APP_ID: '123' })).toThrow(ConfigError);
    expect(() => loadConfig({ HORIZON_APP_SECRET: 'x' })).toThrow(/HORIZON_APP_ID/);
  });

  it('names each invalid variable and never echoes the secret', () => {
    let message = '';
    try {
      loadConfig({
        HORIZON_APP_ID: 'abc',
        HORIZON_APP_SECRET: 'planted-secret-cfg',
        PORT: 'http',
        HORIZON_GRAPH_URL: 'ftp://x',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/HORIZON_APP_ID/);
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/HORIZON_GRAPH_URL/);
    expect(message).not.toContain('planted-secret-cfg');
  });

  it('gives upstream resilience its defaults and reads each setting from the environment', () => {
    expect(loadConfig({}).resilience).toEqual({
      retry: { maxAttempts: 3, budgetMs: 2000, baseDelayMs: 100 },
      breaker: { threshold: 10, cooldownMs: 5000 },
      bulkhead: { maxConcurrent: 32, maxQueued: 500 },
    });
    const config = loadConfig({
      HORIZON_RETRY_MAX_ATTEMPTS: '1',
      HORIZON_RETRY_BUDGET_MS: '500',
      HORIZON_RETRY_BASE_DELAY_MS: '0',
      HORIZON_BREAKER_THRESHOLD: '3',
      HORIZON_BREAKER_COOLDOWN_MS: '250',
      HORIZON_MAX_CONCURRENT_CALLS: '4',
      HORIZON_MAX_QUEUED_CALLS: '0',
    });
    expect(config.resilience).toEqual({
      retry: { maxAttempts: 1, budgetMs: 500, baseDelayMs: 0 },
      breaker: { threshold: 3, cooldownMs: 250 },
      bulkhead: { maxConcurrent: 4, maxQueued: 0 },
    });
  });

  it('refuses resilience settings out of range, naming the variable', () => {
    expect(() => loadConfig({ HORIZON_RETRY_MAX_ATTEMPTS: '0' })).toThrow(/HORIZON_RETRY_MAX_ATTEMPTS/);
    expect(() => loadConfig({ HORIZON_RETRY_MAX_ATTEMPTS: '11' })).toThrow(/HORIZON_RETRY_MAX_ATTEMPTS/);
    expect(() => loadConfig({ HORIZON_BREAKER_THRESHOLD: 'many' })).toThrow(/HORIZON_BREAKER_THRESHOLD/);
    expect(() => loadConfig({ HORIZON_MAX_CONCURRENT_CALLS: '0' })).toThrow(/HORIZON_MAX_CONCURRENT_CALLS/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ HORIZON_APP_ID: '', HORIZON_APP_SECRET: '' }).credentials).toBeUndefined();
  });
});
