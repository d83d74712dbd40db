/**
 * The C compiler's view of struct mcpspy_event and its codes, compared with
 * the TypeScript decoder's constants, so an edit on one side cannot
 * silently break decoding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Direction, FdType, KERNEL_STAT_SLOTS, KernelStat, RawEventLayout, RawFlags, RawKind, TLS_LIBRARIES, TLS_LIBRARY_SHIFT, UnseenWhat } from '@mcpspy/events';

const INCLUDE = resolve(__dirname, '../../../../bpf/include');

const PROGRAM = `
#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"
#define F(name, field) printf("\\"%s\\":%zu,", name, offsetof(struct mcpspy_event, field))
#define C(name, v) printf("\\"%s\\":%d,", name, (int)(v))
int main(void) {
  struct mcpspy_event e;
  printf("{");
  F("kind", kind); F("direction", direction); F("fdType", fd_type); F("flags", flags);
  F("pid", pid); F("tid", tid); F("fd", fd); F("tsNs", ts_ns); F("streamId", stream_id);
  F("callId", call_id); F("totalLen", total_len); F("offset", offset); F("len", len);
  F("lostBytes", lost_bytes); F("comm", comm);
  C("commLen", sizeof(e.comm)); C("sizeof", sizeof(struct mcpspy_event)); C("headerSize", MCPSPY_EVENT_HEADER_SIZE);
  C("k_io", MCPSPY_KIND_IO); C("k_tls", MCPSPY_KIND_TLS); C("k_exec", MCPSPY_KIND_EXEC); C("k_exit", MCPSPY_KIND_EXIT);
  C("k_gap", MCPSPY_KIND_GAP); C("k_unseen", MCPSPY_KIND_UNSEEN); C("k_userGap", MCPSPY_KIND_USER_GAP);
  C("u_splice", MCPSPY_UNSEEN_SPLICE); C("u_tee", MCPSPY_UNSEEN_TEE); C("u_sendfile", MCPSPY_UNSEEN_SENDFILE);
  C("u_ioUring", MCPSPY_UNSEEN_IO_URING); C("u_quiet", MCPSPY_UNSEEN_QUIET); C("u_sizeof", sizeof(struct mcpspy_unseen));
  C("d_read", MCPSPY_DIR_READ); C("d_write", MCPSPY_DIR_WRITE);
  C("t_other", MCPSPY_FD_OTHER); C("t_pipe", MCPSPY_FD_PIPE); C("t_unix", MCPSPY_FD_UNIX); C("t_inet", MCPSPY_FD_INET);
  C("t_tty", MCPSPY_FD_TTY); C("t_file", MCPSPY_FD_FILE); C("t_none", MCPSPY_FD_NONE);
  C("tlsShift", MCPSPY_F_TLS_LIB_SHIFT); C("l_openssl", MCPSPY_TLS_OPENSSL); C("l_gnutls", MCPSPY_TLS_GNUTLS);
  C("l_go", MCPSPY_TLS_GO); C("l_boringssl", MCPSPY_TLS_BORINGSSL); C("l_rustls", MCPSPY_TLS_RUSTLS);
  C("f_truncated", MCPSPY_F_TRUNCATED); C("f_lostBefore", MCPSPY_F_LOST_BEFORE); C("f_first", MCPSPY_F_FIRST); C("f_last", MCPSPY_F_LAST); C("f_elided", MCPSPY_F_ELIDED);
  C("s_events", MCPSPY_STAT_EVENTS); C("s_bytes", MCPSPY_STAT_BYTES); C("s_ringbufFull", MCPSPY_STAT_RINGBUF_FULL);
  C("s_readFaults", MCPSPY_STAT_READ_FAULTS); C("s_gaps", MCPSPY_STAT_GAPS); C("s_lostBytes", MCPSPY_STAT_LOST_BYTES);
  C("s_filtered", MCPSPY_STAT_FILTERED); C("s_pidFull", MCPSPY_STAT_PID_FULL); C("s_readsFolded", MCPSPY_STAT_READS_FOLDED); C("s_lostSwept", MCPSPY_STAT_LOST_SWEPT); C("s_max", MCPSPY_STAT_MAX);
  printf("\\"end\\":0}\\n");
  return 0;
}
`;

test('struct mcpspy_event and its codes match the TypeScript decoder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpspy-layout-'));
  try {
    writeFileSync(join(dir, 'layout.c'), PROGRAM);
    execFileSync('cc', ['-I', INCLUDE, '-o', join(dir, 'layout'), join(dir, 'layout.c')], { timeout: 30_000 });
    const c = JSON.parse(execFileSync(join(dir, 'layout'), { encoding: 'utf8' })) as Record<string, number>;
    for (const [field, off] of Object.entries(RawEventLayout)) {
      if (field === 'headerSize' || field === 'commLen') continue;
      assert.equal(off, c[field], `offset of ${field}`);
    }
    assert.equal(RawEventLayout.commLen, c.commLen);
    assert.equal(RawEventLayout.headerSize, c.sizeof, 'header size = sizeof(struct mcpspy_event)');
    assert.equal(RawEventLayout.headerSize, c.headerSize);
    // Kind 6 is defined with the BPF-only code (mcpspy.bpf.h includes vmlinux.h, no host compiler can read it).
    const bpfHeader = readFileSync(join(INCLUDE, '..', 'mcpspy.bpf.h'), 'utf8');
    c.k_libsslOpen = Number(/#define MCPSPY_KIND_LIBSSL_OPEN (\d+)/.exec(bpfHeader)?.[1]);
    c.k_tlsHello = Number(/#define MCPSPY_KIND_TLS_HELLO (\d+)/.exec(bpfHeader)?.[1]);
    for (const [k, v] of Object.entries(RawKind)) assert.equal(v, c[`k_${k}`], `kind ${k}`);
    for (const [k, v] of Object.entries(Direction)) assert.equal(v, c[`d_${k}`], `direction ${k}`);
    for (const [k, v] of Object.entries(FdType)) assert.equal(v, c[`t_${k}`], `fd type ${k}`);
    for (const [k, v] of Object.entries(RawFlags)) assert.equal(v, c[`f_${k}`], `flag ${k}`);
    assert.equal(TLS_LIBRARY_SHIFT, c.tlsShift);
    TLS_LIBRARIES.forEach((name, code) => assert.equal(code, c[`l_${name}`], `TLS library ${name}`));
    for (const [k, v] of Object.entries(KernelStat)) assert.equal(v, c[`s_${k}`], `stat ${k}`);
    for (const [k, v] of Object.entries(UnseenWhat)) assert.equal(v, c[`u_${k}`], `unseen ${k}`);
    assert.equal(c.u_sizeof, 8, 'struct mcpspy_unseen: what, detail (read by Probe.onNoteRecord)');
    assert.equal(KERNEL_STAT_SLOTS, c.s_max);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
