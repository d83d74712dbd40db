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
import type { OfflineBatch, OfflineBatchReply, OfflineReady, OfflineReply, OfflineWorkerData } from './offline-worker';
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
  const replies: OfflineReply[] = new Array(batch.jobs.length);
  for (let i = 0; i < batch.jobs.length; i++) {
    const req = batch.jobs[i]!;
    const t0 = performance.now();
    // The time first, then the index: a watchdog reading a new index never pairs it with an older time.
    started[0] = performance.timeOrigin + t0;
    Atomics.store(index, 0, i);
    try {
      replies[i] = { id: req.id, findings: analysis.analyze(req.input), ms: performance.now() - t0 };
    } catch (err) {
      replies[i] = { id: req.id, error: (err as Error)?.message ?? String(err), ms: performance.now() - t0 };
    }
  }
  parentPort!.postMessage({ replies } satisfies OfflineBatchReply);
});
