/**
 * Entry of the offline worker thread (offline-worker.ts starts it): judges
 * one message's texts at a time and answers with the findings and the time
 * it took. Nothing here touches the network, the Store or the bus.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OfflineAnalysis, type OfflineAnalysisOptions } from './offline-analysis';
import type { OfflineReady, OfflineReply, OfflineRequest } from './offline-worker';
import { INJECTION_RULES } from './injection-rules';
import { SECRET_PATTERNS } from './secret-patterns';

const analysis = new OfflineAnalysis((workerData ?? {}) as OfflineAnalysisOptions);
// Compile every rule's regex now (V8 compiles on first use), so no message's budget pays for it.
analysis.analyze({
  method: 'tools/call',
  direction: 'request',
  texts: [{ field: 'warm-up', text: `${INJECTION_RULES.flatMap((r) => r.triggers).join(' ')} ${SECRET_PATTERNS.flatMap((p) => p.triggers).join(' ')}`, context: 'argument', origin: 'plain' }],
});
parentPort!.postMessage({ ready: true } satisfies OfflineReady);
parentPort!.on('message', (req: OfflineRequest) => {
  const t0 = performance.now();
  let reply: OfflineReply;
  try {
    reply = { id: req.id, findings: analysis.analyze(req.input), ms: performance.now() - t0 };
  } catch (err) {
    reply = { id: req.id, error: (err as Error)?.message ?? String(err), ms: performance.now() - t0 };
  }
  parentPort!.postMessage(reply);
});
