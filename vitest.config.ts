import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Apollo and graphql-js must share one copy of graphql; the ESM/CJS dual package hazard
    // otherwise gives "Cannot use GraphQLSchema from another module or realm".
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    reporters: ['default', './test/summary-reporter.ts'],
    setupFiles: ['./test/helpers/secret-sentinel.ts'],
  },
});
