/**
 * Entry of the offline worker thread (offline-worker.ts starts it): judges
 * the messages of each posted batch one at a time, in order, and answers the
 * batch with one reply (the findings and the time each took). Before each
 * message it writes the message's index and start time into the progress
 * buffer shared with the engine's thread, whose watchdog abandons a message
 * past its budget. Nothing here touches the network, the Store or the bus.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OfflineAnalysis } from './offline-analysis';
import type { OfflineBatch, OfflineBatchReply, OfflineReady, OfflineReply, OfflineRequest, OfflineWorkerData } from './offline-worker';
import { unpackJobs } from './offline-pack';
import { INJECTION_RULES } from './injection-rules';
import { SECRET_PATTERNS } from './secret-patterns';

const data = (workerData ?? {}) as Partial<OfflineWorkerData>;
const analysis = new OfflineAnalysis(data.analysis ?? {});
const index = data.progress ? new Int32Array(data.progress, 0, 1) : new Int32Array(1);
const started = data.progress ? new Float64Array(data.progress, 8, 1) : new Float64Array(1);
// Compile every rule's regex now (V8 compiles on first use), so no message's budget pays for it.
analysis.analyze({
  method: 'tools/call',
  direction: 'request',
  texts: [{ field: 'warm-up', text: `${INJECTION_RULES.flatMap((r) => r.triggers).join(' ')} ${SECRET_PATTERNS.flatMap((p) => p.triggers).join(' ')}`, context: 'argument', origin: 'plain' }],
});
parentPort!.postMessage({ ready: true } satisfies OfflineReady);
parentPort!.on('message', (batch: OfflineBatch) => {
  let jobs: OfflineRequest[];
  try {
    jobs = batch.packed ? unpackJobs(batch.packed) : (batch.jobs ?? []);
  } catch {
    // A layout that does not add up (never posted by offline-worker.ts): no job judged, each is failed by the engine's thread.
    parentPort!.postMessage({ judged: 0, replies: [] } satisfies OfflineBatchReply);
    return;
  }
  // Only the jobs with findings or an error are answered one by one: the others had none.
  const replies: OfflineReply[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const req = jobs[i]!;
    const t0 = performance.now();
    // The time first, then the index: a watchdog reading a new index never pairs it with an older time.
    started[0] = performance.timeOrigin + t0;
    Atomics.store(index, 0, i);
    try {
      const findings = analysis.analyze(req.input);
      if (findings.length > 0) replies.push({ id: req.id, findings, ms: performance.now() - t0 });
    } catch (err) {
      replies.push({ id: req.id, error: (err as Error)?.message ?? String(err), ms: performance.now() - t0 });
    }
  }
  parentPort!.postMessage({ judged: jobs.length, replies } satisfies OfflineBatchReply);
});
