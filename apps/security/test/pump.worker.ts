/**
 * Runs the pumped inputs of the backtracking test off the test's thread, so
 * a rule that backtracks for minutes is stopped (Worker.terminate) rather
 * than hanging the suite. Reports `start` before and `done` after each timed
 * run; the test arms a timer on `start`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pumpCases } from './pump-cases';

interface Job {
  /** Index of the first case to run (the test restarts a terminated worker after the case that hung). */
  from: number;
  prescreen: number;
  sizes: number[];
  worst: number;
  only?: string;
}

const job = workerData as Job;
const cases = pumpCases();
const post = (m: unknown) => parentPort!.postMessage(m);

function timed(c: number, family: string, size: number, text: string): number {
  post({ kind: 'start', c, id: cases[c]!.id, family, size });
  const t0 = performance.now();
  cases[c]!.run(text);
  const ms = performance.now() - t0;
  post({ kind: 'done', c, id: cases[c]!.id, family, size, ms });
  return ms;
}

post({ kind: 'cases', count: cases.length });
for (let c = job.from; c < cases.length; c++) {
  const kase = cases[c]!;
  if (job.only && !kase.id.includes(job.only)) continue;
  // Every family at the small size finds the worst shapes; those are pumped to the large sizes.
  const screened = kase.families.map((f) => ({ f, ms: timed(c, f.name, job.prescreen, f.build(job.prescreen)) }));
  screened.sort((a, b) => b.ms - a.ms);
  for (const { f } of screened.slice(0, job.worst)) {
    for (const size of job.sizes) timed(c, f.name, size, f.build(size));
  }
  post({ kind: 'case-done', c });
}
post({ kind: 'end' });
