// Inside the VM: says which hook backends this kernel loads, each tried alone
// (MCPSPY_VM lines, read by run-kernels.mjs).
const { Probe } = require('../../apps/probe/dist/src');
const { silentLogger } = require('@mcpspy/runtime');
(async () => {
  for (const hooks of ['fexit', 'tracepoints']) {
    const p = new Probe({ pids: [], comms: ['mcph-none'], excludePids: [], partitions: 1, logger: silentLogger(), tls: false, hooks, onBatch: () => true });
    try {
      await p.start();
      console.log(`MCPSPY_VM backend ${hooks}: loads`);
    } catch (e) {
      console.log(`MCPSPY_VM backend ${hooks}: refused: ${String(e.message).split('\n')[0].slice(0, 160)}`);
    } finally {
      await p.stop().catch(() => undefined);
    }
  }
})();
