// Preload for a monitor (MCPSPY_BENCH_NODE_ARGS="--require bench/heap-sample.cjs"): V8's sampling heap profiler from the
// start, keeping samples of objects that young and full collections freed, so the profile shows what was allocated
// (not only what is left); written at exit to $MCPSPY_HEAP_DIR (default /tmp)/PID.heapprofile. Summarise it with
// bench/cpu-profile-stages.mjs FILE.heapprofile --messages N.
const inspector = require('node:inspector');
const fs = require('node:fs');
const dir = process.env.MCPSPY_HEAP_DIR || '/tmp';
const s = new inspector.Session();
s.connect();
s.post('HeapProfiler.enable');
s.post('HeapProfiler.startSampling', { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, (err) => { if (err) fs.writeFileSync(`${dir}/heap-sample-error.txt`, String(err.message)); });
process.on('exit', () => {
  s.post('HeapProfiler.stopSampling', (err, r) => {
    if (err) { fs.writeFileSync(`${dir}/heap-sample-error.txt`, String(err.message)); return; }
    fs.writeFileSync(`${dir}/${process.pid}.heapprofile`, JSON.stringify(r.profile));
  });
});
