import { afterAll, expect } from 'vitest';
import { PLANTED_SECRET, transcript } from './planted-secret.ts';

// Runs after every test file: no response body or log line the subgraph produced in it may
// contain the planted app secret.
afterAll(() => {
  const leaks = transcript.filter((text) => text.includes(PLANTED_SECRET));
  transcript.length = 0;
  expect(leaks, 'the planted app secret leaked into a response or log line').toEqual([]);
});
