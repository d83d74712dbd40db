/**
 * Entry of the offline worker thread (offline-worker.ts starts it): judges
 * one message's texts at a time and answers with the findings and the time
 * it took. Nothing here touches the network, the Store or the bus.
 */
import { parentPort } from 'node:worker_threads';
import { OfflineAnalysis } from './offline-analysis';
import type { OfflineReply, OfflineRequest } from './offline-worker';

const analysis = new OfflineAnalysis();
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
