import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTimeToIso } from './raw.events';

const reference = (ts: bigint, off: bigint): string => new Date(Number((ts + off) / 1_000_000n)).toISOString();

test('kernelTimeToIso is the millisecond of kernel time + offset, whatever came before (the last millisecond kept)', () => {
  const off = 1_765_000_000_000_000_000n - 5_000_000_123n;
  const seq: Array<[bigint, bigint]> = [];
  // Runs inside one millisecond, its first and last nanosecond, the next one, back in time, a new offset, and zero.
  for (const base of [5_000_000_123n, 5_000_999_999n, 7_123_456_789n]) {
    for (const d of [0n, 1n, 876_999n, 877_000n, 877_001n, 999_999n, 1_000_000n, -1n, -123n, -124n, 2_000_000n, 1n]) seq.push([base + d, off]);
  }
  for (const ts of [10n, 999_999n, 1_000_000n]) seq.push([ts, 0n], [ts, 1n], [ts, 999_999n], [ts, off]);
  // Random steps forward and back, with the offset changing now and then (a clock step).
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  let ts = 9_000_000_000n;
  let o = off;
  for (let i = 0; i < 20_000; i++) {
    ts += BigInt(rnd(400_000)) - 100_000n;
    if (rnd(500) === 0) o += BigInt(rnd(3_000_000)) - 1_500_000n;
    seq.push([ts, o]);
  }
  for (const [t, w] of seq) assert.equal(kernelTimeToIso(t, w), reference(t, w), `${t} + ${w}`);
});

test('kernelTimeToIso before 1970 (a negative sum rounds toward zero) is the reference too', () => {
  for (const [t, w] of [[0n, -1n], [0n, -999_999n], [0n, -1_000_000n], [0n, -1_500_000n], [1n, -1_500_000n], [0n, -1_500_000n], [600_000n, -1_500_000n], [500_000n, -1_000_000n]] as Array<[bigint, bigint]>) {
    assert.equal(kernelTimeToIso(t, w), reference(t, w), `${t} + ${w}`);
  }
});
