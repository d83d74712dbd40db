/**
 * writev with several small iovecs on a socket (what Node's http server
 * does for a corked response: head, chunk size, body, chunk end and the
 * last chunk): every byte of every iovec must be captured. The emit loop
 * once had one step per iovec, so the last iovecs of such calls were lost
 * and each plain-HTTP response looked cut (the spurious `http_gap`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Direction, RawKind } from '@mcpspy/events';
import { Captured, NamedBinaries, callsOf, run, startProbe, waitFor } from './helpers';

const bins = new NamedBinaries();
let cap: Captured;

before(async () => {
  cap = await startProbe({ comms: ['mcpt-wv'] });
});

after(async () => {
  await cap?.stop();
  bins.cleanup();
});

const SCRIPT = `
import os, socket, sys
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); s, _ = srv.accept()
parts = [b'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n', b'8\\r\\n', b'Accepted', b'\\r\\n', b'0\\r\\n\\r\\n']
for n in range(1, 9):
    iov = (parts * 2)[:n] if n > len(parts) else parts[:n]
    os.writev(s.fileno(), iov)
    want = sum(len(p) for p in iov); got = 0
    while got < want: got += len(c.recv(65536))
print(os.getpid())
`;

test('writev of 1 to 8 small iovecs is captured whole', async () => {
  const py = bins.path('mcpt-wv', '/usr/bin/python3');
  const r = await run(py, ['-c', SCRIPT]);
  assert.equal(r.code, 0, r.stderr);
  const pid = Number(r.stdout.trim());
  const writes = () => callsOf(cap.events.filter((e) => e.pid === pid && e.kind === RawKind.io && e.direction === Direction.write));
  await waitFor(() => writes().length >= 8, 5000, 'eight writev calls');
  const calls = writes();
  assert.equal(calls.length, 8);
  for (const [i, c] of calls.entries()) {
    assert.ok(c.complete, `writev of ${i + 1} iovecs: ${c.data.length} of ${c.first.totalLen} bytes`);
  }
});
