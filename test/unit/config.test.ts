import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded emulator when no credentials are set', () => {
    const config = loadConfig({});
    expect(config.credentials).toBeUndefined();
    expect(config).toMatchObject({
      port: 4001,
      graphUrl: 'https://graph.oculus.com',
      cacheTtlMs: 60_000,
      // A read attempt may take 5 s in total, a write 15 s (real score submits take 3-4 s).
      timeoutMs: 5000,
      writeTimeoutMs: 15000,
      // A refused guessed field is left out for 1 h; at most 5 upstream DELETEs in flight.
      fieldRefusalTtlMs: 3_600_000,
      deleteConcurrency: 5,
    });
  });

  it('reads credentials and limits from the environment', () => {
    const config = loadConfig({
      HORIZON_APP_ID: '123',
      HORIZON_APP_SECRET: 's3cret',
      AUTH_DISABLED: 'true',
      PORT: '5000',
      CACHE_TTL_SECONDS: '0',
      HORIZON_TIMEOUT_MS: '2500',
      HORIZON_WRITE_TIMEOUT_MS: '9000',
      HORIZON_FIELD_REFUSAL_TTL_MS: '60000',
      HORIZON_DELETE_CONCURRENCY: '2',
    });
    expect(config.credentials).toEqual({ appId: '123', appSecret: 's3cret' });
    expect(config).toMatchObject({
      port: 5000,
      cacheTtlMs: 0,
      timeoutMs: 2500,
      writeTimeoutMs: 9000,
      fieldRefusalTtlMs: 60_000,
      deleteConcurrency: 2,
    });
    expect(() => loadConfig({ HORIZON_DELETE_CONCURRENCY: '0' })).toThrow(/HORIZON_DELETE_CONCURRENCY/);
  });

  it('refuses one credential without the other, naming the missing variable', () => {
    expect(() => loadConfig({ HORIZON_APP_ID: '123' })).toThrow(ConfigError);
    expect(() => loadConfig({ HORIZON_APP_ID: '123' })).toThrow(
      /HORIZON_APP_SECRET must be set \(or HORIZON_APP_SECRET_FILE\) because HORIZON_APP_ID is/,
    );
    expect(() => loadConfig({ HORIZON_APP_SECRET: 'x' })).toThrow(
      /HORIZON_APP_ID must be set because HORIZON_APP_SECRET is/,
    );
  });

  it('says what a variable must be and what it got', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow('PORT must be a whole number 0–65535 (got "abc")');
    expect(() => loadConfig({ PORT: '70000' })).toThrow('PORT must be a whole number 0–65535 (got "70000")');
    expect(() => loadConfig({ HORIZON_GRAPH_URL: 'ftp://x' })).toThrow(
      /HORIZON_GRAPH_URL must be an http\(s\) URL.*\(got "ftp:\/\/x"\)/,
    );
    expect(() => loadConfig({ LOG_PRETTY: 'yes' })).toThrow('LOG_PRETTY must be true or false (got "yes")');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of fatal, error/);
    expect(() => loadConfig({ ROUTER_SECRET: 'short-secret' })).toThrow(/ROUTER_SECRET must be at least 16/);
    expect(() => loadConfig({ ROUTER_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('serves the SDL without the security directives unless asked', () => {
    expect(loadConfig({}).securityDirectives).toBe(false);
    expect(loadConfig({ FEDERATION_SECURITY_DIRECTIVES: 'true' }).securityDirectives).toBe(true);
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
      retry: { maxAttempts: 3, budgetMs: 4000, baseDelayMs: 100 },
      breaker: { threshold: 10, cooldownMs: 5000 },
      bulkhead: { maxConcurrent: 256, maxQueued: 500 },
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

describe('access control and secrets configuration', () => {
  const real = { HORIZON_APP_ID: '123', HORIZON_APP_SECRET: 's3cret' };

  it('refuses real credentials without an auth decision, explaining the choice', () => {
    expect(() => loadConfig(real)).toThrow(/AUTH_JWT_SECRET.*AUTH_JWKS_URL.*AUTH_DISABLED=true/s);
  });

  it('turns enforcement on with a shared key or a JWKS URL', () => {
    const hs = loadConfig({
      ...real,
      AUTH_JWT_SECRET: 'k'.repeat(32),
      AUTH_ISSUER: 'iss',
      AUTH_AUDIENCE: 'aud',
    });
    expect(hs.auth).toEqual({
      mode: 'jwt',
      options: { jwtSecret: 'k'.repeat(32), issuer: 'iss', audience: 'aud', maxTokenAgeSeconds: 3600 },
    });
    expect(
      loadConfig({ ...real, AUTH_JWT_SECRET: 'k'.repeat(32), AUTH_MAX_TOKEN_AGE_SECONDS: '600' }).auth,
    ).toMatchObject({
      options: { maxTokenAgeSeconds: 600 },
    });
    const rs = loadConfig({ ...real, AUTH_JWKS_URL: 'https://auth.example.test/jwks.json' });
    expect(rs.auth).toMatchObject({
      mode: 'jwt',
      options: { jwksUrl: 'https://auth.example.test/jwks.json' },
    });
  });

  it('leaves enforcement off for the embedded emulator unless asked, and when told to', () => {
    expect(loadConfig({}).auth).toEqual({ mode: 'disabled' });
    expect(loadConfig({ ...real, AUTH_DISABLED: 'true' }).auth).toEqual({ mode: 'disabled' });
    expect(() => loadConfig({ AUTH_DISABLED: 'false' })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('refuses contradictory auth settings', () => {
    expect(() =>
      loadConfig({ ...real, AUTH_JWT_SECRET: 'k'.repeat(32), AUTH_JWKS_URL: 'https://a.test/j' }),
    ).toThrow(/AUTH_JWKS_URL/);
    expect(() => loadConfig({ ...real, AUTH_JWT_SECRET: 'k'.repeat(32), AUTH_DISABLED: 'true' })).toThrow(
      /AUTH_DISABLED/,
    );
    expect(() => loadConfig({ ...real, AUTH_JWT_SECRET: 'short' })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('reads the app secret from a mounted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    const file = join(dir, 'app-secret');
    writeFileSync(file, 'file-secret-value\n');
    const config = loadConfig({
      HORIZON_APP_ID: '123',
      HORIZON_APP_SECRET_FILE: file,
      AUTH_DISABLED: 'true',
    });
    expect(config.credentials).toEqual({ appId: '123', appSecret: 'file-secret-value' });
    expect(() =>
      loadConfig({ HORIZON_APP_ID: '123', HORIZON_APP_SECRET_FILE: join(dir, 'missing') }),
    ).toThrow(/HORIZON_APP_SECRET_FILE cannot be read/);
    expect(() => loadConfig({ ...real, HORIZON_APP_SECRET_FILE: file })).toThrow(/not both/);
  });

  it('turns introspection off in production unless enabled', () => {
    // Production needs real credentials (it never serves demo data: test/security/demo-mode.test.ts).
    const production = { ...real, AUTH_DISABLED: 'true', NODE_ENV: 'production' };
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig(production).introspection).toBe(false);
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it('reads query limits, refusing a depth below 10', () => {
    expect(loadConfig({ MAX_UPSTREAM_COST: '500' }).limits.maxUpstreamCost).toBe(500);
    expect(() => loadConfig({ MAX_QUERY_DEPTH: '5' })).toThrow(/MAX_QUERY_DEPTH/);
  });
});
