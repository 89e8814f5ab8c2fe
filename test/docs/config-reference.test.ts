import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from '../../src/config.ts';
import { expectedConfigDoc, expectedEnvExample, staleFiles } from '../../scripts/config-reference.ts';

// The configuration reference (docs/configuration.md and .env.example) is printed from the zod
// schema by `npm run docs:config`; these tests fail when the committed files differ from it.

describe('the configuration reference', () => {
  it('is what npm run docs:config prints from the schema (run it after changing src/config.ts)', async () => {
    expect(await staleFiles()).toEqual([]);
  });

  it('shows the defaults the code applies', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const config = loadConfig({});
    const row = (name: string) => doc.split('\n').find((line) => line.startsWith(`| \`${name}\``)) ?? '';
    expect(row('PORT')).toContain(`\`${config.port}\``);
    expect(row('HORIZON_MAX_CONNECTIONS')).toContain(`\`${config.maxConnections}\``);
    expect(row('HORIZON_BATCH_CONCURRENCY')).toContain(`\`${config.batchConcurrency}\``);
    expect(row('HORIZON_MAX_CONCURRENT_CALLS')).toContain(`\`${config.resilience.bulkhead?.maxConcurrent}\``);
    expect(row('HORIZON_TIMEOUT_MS')).toContain(`\`${config.timeoutMs}\``);
    expect(row('FEDERATION_SECURITY_DIRECTIVES')).toContain(`\`${config.securityDirectives}\``);
  });

  it('lists every variable once, each with a meaning', () => {
    const names = configVariables().map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    const env = expectedEnvExample();
    for (const name of names) expect(env).toMatch(new RegExp(`^# ${name} `, 'm'));
  });

  it('notices a changed default', async () => {
    const current = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const tampered = current.replace(/(\| `PORT` +\| )`4001`/, '$1`4002`');
    expect(tampered).not.toBe(current);
    expect(await expectedConfigDoc(tampered)).toBe(current);
  });
});
