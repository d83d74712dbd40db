/**
 * Finds SSL_read and SSL_write in an executable that links BoringSSL
 * statically and keeps no symbol for them (Bun, what Claude Code's native
 * build runs on), from what such a binary still contains: BoringSSL's error
 * reporting.
 *
 * Every OPENSSL_PUT_ERROR(SSL, reason) in ssl/ssl_lib.cc compiles to a call
 * ERR_put_error(ERR_LIB_SSL = 16, 0, reason, "<…>/ssl/ssl_lib.cc", line),
 * so the code holds the file name's address next to the reason as
 * immediates. Reason codes are BoringSSL's public numbering (ssl.h, err.h)
 * and do not move between versions; line numbers and struct offsets do, so
 * neither is used. From the sources (ssl/ssl_lib.cc):
 *   SSL_write      QUIC misuse (66), uninitialised (226), handshake failure (215)
 *   ssl_read_impl  uninitialised (226), handshake failure (215), no QUIC check
 *   SSL_read       QUIC misuse (66) only (SSL_peek inlined), and calls ssl_read_impl
 * A function starts after the int3 padding the linker puts between
 * functions, and the start is accepted only if decoding forward from it
 * (x86-length.ts) lands exactly on the error site. Anything ambiguous gives
 * no result with the reason, never a guess: a uprobe in the wrong place
 * corrupts the program.
 */
import { ElfFile } from './elf-symbols';
import { decodeOne } from './x86-length';

const ERR_LIB_SSL = 16;
const ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED = 66;
const SSL_R_UNINITIALIZED = 226;
const SSL_R_SSL_HANDSHAKE_FAILURE = 215;
/** How far back from an error site a function start is looked for. */
const MAX_FUNCTION_BYTES = 16 * 1024;
/** Executables smaller than this cannot hold BoringSSL; not worth reading their data. */
export const MIN_BORINGSSL_BINARY = 2 * 1024 * 1024;

export interface BoringsslFunctions {
  /** Virtual addresses. */
  SSL_read: number;
  SSL_write: number;
}

export type BoringsslResult = { found: BoringsslFunctions } | { notFound: string } | undefined;

interface Site {
  /** Address of the instruction that loads the file name. */
  at: number;
  reason: number;
}

/** The address of the NUL-terminated string ending in `suffix` inside `data` (mapped at `addr`). */
function stringAddress(data: Buffer, addr: number, suffix: string): number | undefined {
  const needle = Buffer.from(`${suffix}\0`, 'latin1');
  let i = data.indexOf(needle);
  while (i >= 0) {
    let s = i;
    while (s > 0 && data[s - 1] !== 0 && i - s < 512) s--;
    if (s === 0 || data[s - 1] === 0) return addr + s;
    i = data.indexOf(needle, i + 1);
  }
  return undefined;
}

/** Instructions that put `target` in a register: mov r32, imm32 (non-PIE) or lea r64, [rip+disp32] (PIE). */
function references(code: Buffer, codeAddr: number, target: number): number[] {
  const out: number[] = [];
  if (target <= 0xffffffff) {
    const imm = Buffer.alloc(4);
    imm.writeUInt32LE(target);
    for (let i = code.indexOf(imm); i >= 0; i = code.indexOf(imm, i + 1)) {
      const op = code[i - 1];
      if (op >= 0xb8 && op <= 0xbf) out.push(codeAddr + i - 1 - (code[i - 2] === 0x41 ? 1 : 0));
    }
  }
  // lea r64, [rip+disp32]: REX.W (48/4c) 8d modrm(00 reg 101) disp32.
  for (let i = code.indexOf(0x8d, 1); i >= 0 && i + 5 < code.length; i = code.indexOf(0x8d, i + 1)) {
    const rex = code[i - 1];
    if ((rex !== 0x48 && rex !== 0x4c) || (code[i + 1] & 0xc7) !== 0x05) continue;
    const next = codeAddr + i + 6;
    if (next + code.readInt32LE(i + 2) === target) out.push(codeAddr + i - 1);
  }
  return out;
}

/**
 * The ERR_put_error(ERR_LIB_SSL, 0, reason, file, line) call around a
 * file-name reference: the argument moves are decoded forward from the
 * reference up to the call (clang puts them there), and, when some are
 * missing, from up to 24 bytes before it (only from a start whose decoding
 * lands exactly on the reference).
 */
function siteAt(code: Buffer, codeAddr: number, at: number): Site | undefined {
  let reason: number | undefined;
  let lib = false;
  const look = (from: number, to: number, stopAtCall: boolean): boolean => {
    let p = from;
    for (let n = 0; n < 12 && p < code.length && (to < 0 || p < to); n++) {
      const d = decodeOne(code, p);
      if (!d) return false;
      // mov edx, imm32 (BA id) and mov edi, imm32 (BF id), without a REX prefix.
      if (code[p] === 0xba && d.length === 5) reason = code.readUInt32LE(p + 1);
      if (code[p] === 0xbf && d.length === 5 && code.readUInt32LE(p + 1) === ERR_LIB_SSL) lib = true;
      if (stopAtCall && (code[p] === 0xe8 || code[p] === 0xe9)) break;
      p += d.length;
    }
    return to < 0 || p === to;
  };
  const site = at - codeAddr;
  look(site, -1, true);
  if (!lib || reason === undefined) {
    for (let back = 24; back > 0; back--) {
      const r0: number | undefined = reason;
      const l0: boolean = lib;
      if (look(site - back, site, false) && lib && reason !== undefined) break;
      reason = r0;
      lib = l0;
    }
  }
  return lib && reason !== undefined ? { at, reason } : undefined;
}

/** Start of the function holding `addr`: after int3 padding, 16-aligned, and decodable up to `addr`. */
function functionStart(code: Buffer, codeAddr: number, addr: number): number | undefined {
  const site = addr - codeAddr;
  for (let a = site & ~15; a > 0 && site - a <= MAX_FUNCTION_BYTES; a -= 16) {
    if (code[a - 1] !== 0xcc) continue;
    let p = a;
    while (p < site) {
      const d = decodeOne(code, p);
      if (!d) break;
      p += d.length;
    }
    if (p === site) return codeAddr + a;
  }
  return undefined;
}

/** Targets of the direct calls (E8 rel32) in [start, end). */
function callTargets(code: Buffer, codeAddr: number, start: number, end: number): Set<number> {
  const out = new Set<number>();
  let p = start - codeAddr;
  const stop = Math.min(code.length, end - codeAddr);
  while (p < stop) {
    const d = decodeOne(code, p);
    if (!d || code[p] === 0xcc) break; // int3: the padding after the function
    if (code[p] === 0xe8 && d.length === 5) out.add(codeAddr + p + 5 + code.readInt32LE(p + 1));
    p += d.length;
  }
  return out;
}

/**
 * undefined: no BoringSSL here. notFound: BoringSSL is here but its
 * SSL_read/SSL_write could not be placed (the reason says why).
 */
export function findBoringssl(elf: ElfFile): BoringsslResult {
  if (elf.size < MIN_BORINGSSL_BINARY) return undefined;
  const rodata = elf.section('.rodata');
  const text = elf.section('.text');
  if (!rodata || !text) return undefined;
  const ro = elf.sectionData(rodata);
  if (ro.indexOf('openssl_is_boringssl') < 0 && ro.indexOf('BoringSSL') < 0) return undefined;
  const file = stringAddress(ro, rodata.addr, 'ssl/ssl_lib.cc');
  if (file === undefined) return { notFound: 'BoringSSL without its ssl_lib.cc error sites' };
  const code = elf.sectionData(text);
  const byFunction = new Map<number, Set<number>>();
  for (const ref of references(code, text.addr, file)) {
    const site = siteAt(code, text.addr, ref);
    if (!site) continue;
    const start = functionStart(code, text.addr, site.at);
    if (start === undefined) continue;
    let reasons = byFunction.get(start);
    if (!reasons) byFunction.set(start, (reasons = new Set()));
    reasons.add(site.reason);
  }
  const has = (s: Set<number>, ...r: number[]) => r.every((x) => s.has(x));
  const writes = [...byFunction].filter(([, r]) => has(r, ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED, SSL_R_UNINITIALIZED, SSL_R_SSL_HANDSHAKE_FAILURE));
  const readImpls = [...byFunction].filter(
    ([, r]) => has(r, SSL_R_UNINITIALIZED, SSL_R_SSL_HANDSHAKE_FAILURE) && !r.has(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED),
  );
  if (writes.length !== 1) return { notFound: `SSL_write: ${writes.length} candidate functions, expected 1` };
  const starts = [...byFunction.keys()].sort((a, b) => a - b);
  const endOf = (start: number) => starts.find((s) => s > start) ?? start + MAX_FUNCTION_BYTES;
  const reads = [...byFunction].filter(([start, r]) => {
    if (r.size !== 1 || !r.has(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED)) return false;
    const calls = callTargets(code, text.addr, start, Math.min(endOf(start), start + MAX_FUNCTION_BYTES));
    return readImpls.some(([impl]) => calls.has(impl));
  });
  if (reads.length !== 1) return { notFound: `SSL_read: ${reads.length} candidate functions, expected 1` };
  return { found: { SSL_read: reads[0][0], SSL_write: writes[0][0] } };
}
