/**
 * No rule can be made to backtrack: every injection rule, secret pattern and
 * the Unicode checks get inputs pumped from their own words and character
 * classes (pumped-inputs.ts) — each shape at 10 KB, then the slowest shapes
 * of each rule at 100 KB and 1 MB — and each run must finish within a bound
 * generous enough for a loaded shared 2-core machine. A run past its bound
 * is stopped (the worker is terminated) and reported with its rule and shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { boundRuns, maxMatchLength } from '../src/bounded-regex';
import { INJECTION_RULES } from '../src/injection-rules';
import { SECRET_PATTERNS } from '../src/secret-patterns';
import { RULE_OVERLAP } from '../src/windows';

/** Bound per run, by input size: about 10× what a bounded rule needs on a quiet core. */
const BOUND_MS: Record<number, number> = { 10_000: 1_500, 100_000: 4_000, 1_000_000: 25_000 };
const SIZES = [100_000, 1_000_000];

interface Slow {
  id: string;
  family: string;
  size: number;
  ms: number;
}

function pump(only?: string): Promise<{ slow: Slow[]; runs: number; cases: number; worstPerSize: Map<number, Slow> }> {
  return new Promise((resolve, reject) => {
    const slow: Slow[] = [];
    const worstPerSize = new Map<number, Slow>();
    let runs = 0;
    let cases = 0;
    const start = (from: number) => {
      const w = new Worker(join(__dirname, 'pump.worker.js'), { workerData: { from, prescreen: 10_000, sizes: SIZES, worst: 2, only } });
      let timer: NodeJS.Timeout | undefined;
      let current: { c: number; id: string; family: string; size: number } | undefined;
      let ended = false;
      w.on('message', (m: { kind: string; c: number; id: string; family: string; size: number; ms: number; count: number }) => {
        if (m.kind === 'cases') cases = m.count;
        else if (m.kind === 'start') {
          current = m;
          const bound = BOUND_MS[m.size]!;
          timer = setTimeout(() => {
            // Past its bound: stop it where it is, note it, go on with the next case.
            slow.push({ id: m.id, family: m.family, size: m.size, ms: Infinity });
            ended = true;
            void w.terminate().then(() => start(m.c + 1));
          }, bound);
        } else if (m.kind === 'done') {
          clearTimeout(timer);
          runs++;
          const rec = { id: m.id, family: m.family, size: m.size, ms: m.ms };
          if (m.ms > BOUND_MS[m.size]!) slow.push(rec);
          if (!(worstPerSize.get(m.size)?.ms! >= m.ms)) worstPerSize.set(m.size, rec);
        } else if (m.kind === 'end') {
          ended = true;
          void w.terminate().then(() => resolve({ slow, runs, cases, worstPerSize }));
        }
      });
      w.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`pump worker failed at ${current?.id} ${current?.family}: ${err.message}`, { cause: err }));
      });
      w.on('exit', () => {
        clearTimeout(timer);
        if (!ended) reject(new Error(`pump worker exited early at ${current?.id}`));
      });
    };
    start(0);
  });
}

test('every rule, secret pattern and Unicode check stays within its time bound on pumped 100 KB and 1 MB inputs', { timeout: 900_000 }, async () => {
  const { slow, runs, cases, worstPerSize } = await pump(process.env.PUMP_ONLY);
  for (const [size, w] of [...worstPerSize].sort((a, b) => a[0] - b[0])) console.log(`# worst at ${size} chars: ${w.ms.toFixed(0)} ms (${w.id}, ${w.family})`);
  assert.ok(cases > INJECTION_RULES.length, 'the cases were built');
  assert.ok(runs > 0, 'something ran');
  assert.deepEqual(
    slow.map((s) => `${s.id} ${s.family} at ${s.size} chars: ${Number.isFinite(s.ms) ? `${s.ms.toFixed(0)} ms` : 'stopped'} (bound ${BOUND_MS[s.size]} ms)`),
    [],
  );
});

test('every rule and secret pattern is bounded and its longest match fits in the window overlap', () => {
  const over = [...INJECTION_RULES, ...SECRET_PATTERNS].filter((r) => !(maxMatchLength(r.re) <= RULE_OVERLAP)).map((r) => `${r.id}: ${maxMatchLength(r.re)}`);
  assert.deepEqual(over, []);
});

test('boundRuns bounds every unbounded run outside classes and leaves the rest alone', () => {
  assert.equal(boundRuns(/a+b*c{2,}d{1,3}[+*]\+/g, 10).source, 'a{1,10}b{0,10}c{2,10}d{1,3}[+*]\\+');
  assert.equal(boundRuns(/x+?/).source, 'x{1,64}?');
  assert.equal(maxMatchLength(/ab+/), Infinity);
  assert.equal(maxMatchLength(/a(?:bc|d){2}(?=zzzz)\b/), 5);
  assert.equal(maxMatchLength(/[^\n]{0,100}?x/), 101);
});
