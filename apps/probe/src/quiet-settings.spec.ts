import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quietSettings } from './probe';

// MCPSPY_OPT_* of bpf/mcpspy.bpf.h
const QUIET = 2;
const LOCAL_WRITES = 4;
const CHECK = 8;

test('default: every stream quieted, pipe and unix writes included, 1 in 16 quieted calls checked', () => {
  assert.deepEqual(quietSettings(undefined, undefined, {}), { options: QUIET | LOCAL_WRITES | CHECK, mask: 15 });
  assert.deepEqual(quietSettings(true, undefined, {}), { options: QUIET | LOCAL_WRITES | CHECK, mask: 15 });
  assert.deepEqual(quietSettings('all', undefined, {}), { options: QUIET | LOCAL_WRITES | CHECK, mask: 15 });
});

test("'reads' (MCPSPY_QUIET_STREAMS=reads) never quiets pipe and unix writes; 0 turns quiet streams off", () => {
  assert.deepEqual(quietSettings(undefined, undefined, { MCPSPY_QUIET_STREAMS: 'reads' }), { options: QUIET | CHECK, mask: 15 });
  assert.deepEqual(quietSettings('reads', 0, {}), { options: QUIET, mask: 0 });
  assert.deepEqual(quietSettings(undefined, undefined, { MCPSPY_QUIET_STREAMS: '0' }), { options: 0, mask: 0 });
  assert.deepEqual(quietSettings(false, 16, {}), { options: 0, mask: 0 });
});

test('the check rate: MCPSPY_QUIET_CHECK or the option, a power of two, 0 = never', () => {
  assert.deepEqual(quietSettings(undefined, undefined, { MCPSPY_QUIET_CHECK: '64' }), { options: QUIET | LOCAL_WRITES | CHECK, mask: 63 });
  assert.deepEqual(quietSettings(undefined, undefined, { MCPSPY_QUIET_CHECK: '0' }), { options: QUIET | LOCAL_WRITES, mask: 0 });
  assert.deepEqual(quietSettings(undefined, 1, {}), { options: QUIET | LOCAL_WRITES | CHECK, mask: 0 });
  for (const bad of ['12', '-4', 'x', '1.5']) assert.throws(() => quietSettings(undefined, undefined, { MCPSPY_QUIET_CHECK: bad }), /power of two/);
});
