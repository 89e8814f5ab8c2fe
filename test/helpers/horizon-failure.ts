import { expect } from 'vitest';
import { HorizonApiError } from '../../src/horizon/index.ts';

/** The `HorizonApiError` that `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function horizonFailure(promise: Promise<unknown>): Promise<HorizonApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HorizonApiError);
    return error as HorizonApiError;
  }
  throw new Error('expected a HorizonApiError');
}
