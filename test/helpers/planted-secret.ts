/**
 * The app secret every harness emulator uses unless a test brings its own fixture, and the
 * transcript of everything the subgraph said to the outside during a test file: response bodies
 * and log lines. `secret-sentinel.ts` checks after each file that the secret is in none of it.
 */
export const PLANTED_SECRET = 'planted-app-secret-4f1c9e7a';

export const transcript: string[] = [];
