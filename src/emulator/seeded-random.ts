/**
 * A small, fast, seeded PRNG (mulberry32): the same seed gives the same sequence on every
 * platform, so generated fixtures (`scripts/generate-demo-fixture.ts`, the emulator's `--generate`)
 * are the same wherever they are built. Good enough for test data, not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
