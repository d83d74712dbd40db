/**
 * An x86-64 instruction-length decoder, enough to walk the machine code the
 * Go compiler emits (integer, SSE, AVX/VEX, x87 and the odd EVEX) and find
 * the RET instructions of a function. Go functions must not get uretprobes
 * (the probe rewrites the return address on a goroutine stack that Go may
 * move), so the probe puts a plain uprobe on every RET instead.
 *
 * Why a decoder rather than scanning for 0xC3: that byte also appears inside
 * immediates, displacements and ModRM bytes; a uprobe placed mid-instruction
 * corrupts the program. Walking instruction boundaries from the function's
 * entry is exact as long as every opcode is understood, so the walk refuses
 * (returns undefined) on anything it does not know, and the caller reports
 * the function as not probeable instead of guessing.
 */

const enum Imm {
  None = 0,
  B = 1, // imm8
  W = 2, // imm16
  Z = 3, // imm16 with 0x66, else imm32
  V = 4, // imm64 with REX.W, imm16 with 0x66, else imm32 (MOV r, imm)
  M = 5, // moffs: 8 bytes (4 with 0x67)
  WB = 6, // imm16 + imm8 (ENTER)
}

interface Op {
  modrm: boolean;
  imm: Imm;
}

const INVALID: Op | undefined = undefined;
const op = (modrm: boolean, imm: Imm = Imm.None): Op => ({ modrm, imm });

/** One-byte opcode map, 64-bit mode (prefixes, REX and escapes are handled before the lookup). */
const ONE: (Op | undefined)[] = (() => {
  const t: (Op | undefined)[] = new Array(256).fill(INVALID);
  // ALU block: op r/m,r / r,r/m (ModRM), AL,imm8, eAX,imm32
  for (const base of [0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38]) {
    for (let i = 0; i < 4; i++) t[base + i] = op(true);
    t[base + 4] = op(false, Imm.B);
    t[base + 5] = op(false, Imm.Z);
  }
  for (let i = 0x50; i <= 0x5f; i++) t[i] = op(false);
  t[0x63] = op(true);
  t[0x68] = op(false, Imm.Z);
  t[0x69] = op(true, Imm.Z);
  t[0x6a] = op(false, Imm.B);
  t[0x6b] = op(true, Imm.B);
  for (let i = 0x6c; i <= 0x6f; i++) t[i] = op(false);
  for (let i = 0x70; i <= 0x7f; i++) t[i] = op(false, Imm.B);
  t[0x80] = op(true, Imm.B);
  t[0x81] = op(true, Imm.Z);
  t[0x83] = op(true, Imm.B);
  for (let i = 0x84; i <= 0x8f; i++) t[i] = op(true);
  for (let i = 0x90; i <= 0x99; i++) t[i] = op(false);
  for (let i = 0x9b; i <= 0x9f; i++) t[i] = op(false);
  for (let i = 0xa0; i <= 0xa3; i++) t[i] = op(false, Imm.M);
  for (let i = 0xa4; i <= 0xa7; i++) t[i] = op(false);
  t[0xa8] = op(false, Imm.B);
  t[0xa9] = op(false, Imm.Z);
  for (let i = 0xaa; i <= 0xaf; i++) t[i] = op(false);
  for (let i = 0xb0; i <= 0xb7; i++) t[i] = op(false, Imm.B);
  for (let i = 0xb8; i <= 0xbf; i++) t[i] = op(false, Imm.V);
  t[0xc0] = op(true, Imm.B);
  t[0xc1] = op(true, Imm.B);
  t[0xc2] = op(false, Imm.W);
  t[0xc3] = op(false);
  t[0xc6] = op(true, Imm.B);
  t[0xc7] = op(true, Imm.Z);
  t[0xc8] = op(false, Imm.WB);
  t[0xc9] = op(false);
  t[0xca] = op(false, Imm.W);
  t[0xcb] = op(false);
  t[0xcc] = op(false);
  t[0xcd] = op(false, Imm.B);
  t[0xcf] = op(false);
  for (let i = 0xd0; i <= 0xd3; i++) t[i] = op(true);
  t[0xd7] = op(false);
  for (let i = 0xd8; i <= 0xdf; i++) t[i] = op(true); // x87
  for (let i = 0xe0; i <= 0xe3; i++) t[i] = op(false, Imm.B);
  for (let i = 0xe4; i <= 0xe7; i++) t[i] = op(false, Imm.B);
  t[0xe8] = op(false, Imm.Z); // rel32 (0x66 is ignored for near branches in 64-bit mode; Go never emits it)
  t[0xe9] = op(false, Imm.Z);
  t[0xeb] = op(false, Imm.B);
  for (let i = 0xec; i <= 0xef; i++) t[i] = op(false);
  t[0xf1] = op(false);
  t[0xf4] = op(false);
  t[0xf5] = op(false);
  t[0xf6] = op(true); // imm8 when reg is 0 or 1 (TEST): decided below
  t[0xf7] = op(true);
  for (let i = 0xf8; i <= 0xfd; i++) t[i] = op(false);
  t[0xfe] = op(true);
  t[0xff] = op(true);
  return t;
})();

/** Two-byte map (after 0x0F); 0x38 and 0x3A escape to three-byte maps. */
const TWO: (Op | undefined)[] = (() => {
  const t: (Op | undefined)[] = new Array(256).fill(op(true));
  for (const b of [0x04, 0x0a, 0x0c, 0x0e, 0x0f, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x7a, 0x7b, 0xa6, 0xa7]) {
    t[b] = INVALID;
  }
  for (const b of [0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa]) {
    t[b] = op(false);
  }
  for (let i = 0x80; i <= 0x8f; i++) t[i] = op(false, Imm.Z); // Jcc rel32
  for (let i = 0xc8; i <= 0xcf; i++) t[i] = op(false); // BSWAP
  for (const b of [0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]) t[b] = op(true, Imm.B);
  return t;
})();

/** VEX/EVEX opcodes of map 0F that take an imm8. */
const MAP1_IMM8 = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);

export interface Decoded {
  /** Instruction length in bytes. */
  length: number;
  /** A near return (C3 or C2 iw). */
  ret: boolean;
}

function modrmLength(code: Uint8Array, p: number, addr32: boolean): number | undefined {
  if (p >= code.length) return undefined;
  const m = code[p];
  const mod = m >> 6;
  const rm = m & 7;
  let n = 1;
  if (mod === 3) return n;
  if (rm === 4) {
    if (p + 1 >= code.length) return undefined;
    const base = code[p + 1] & 7;
    n += 1;
    if (mod === 0 && base === 5) n += 4;
  } else if (mod === 0 && rm === 5) {
    n += 4; // RIP-relative (or disp32 with 0x67)
  }
  void addr32;
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

/** Length of the instruction at `pos`, or undefined when it is not understood. */
export function decodeOne(code: Uint8Array, pos: number): Decoded | undefined {
  let p = pos;
  let opsize16 = false;
  let addr32 = false;
  // Legacy prefixes, at most 14 (the architectural limit is 15 bytes per instruction).
  for (let k = 0; k < 14 && p < code.length; k++) {
    const b = code[p];
    if (b === 0x66) opsize16 = true;
    else if (b === 0x67) addr32 = true;
    else if (!(b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 || b === 0x64 || b === 0x65)) break;
    p++;
  }
  let rexW = false;
  if (p < code.length && (code[p] & 0xf0) === 0x40) {
    rexW = (code[p] & 8) !== 0;
    p++;
  }
  if (p >= code.length) return undefined;
  const b0 = code[p++];

  let o: Op | undefined;
  let ret = false;
  let opcode = b0;
  if (b0 === 0xc4 || b0 === 0xc5 || b0 === 0x62) {
    // VEX (2/3 bytes) or EVEX (4 bytes): always a ModRM; imm8 per map.
    let map = 1;
    if (b0 === 0xc5) {
      p += 1;
    } else if (b0 === 0xc4) {
      if (p >= code.length) return undefined;
      map = code[p] & 0x1f;
      p += 2;
    } else {
      if (p >= code.length) return undefined;
      map = code[p] & 0x07;
      p += 3;
    }
    if (p >= code.length || map < 1 || map > 3) return undefined;
    opcode = code[p++];
    const imm = map === 3 || (map === 1 && MAP1_IMM8.has(opcode)) ? Imm.B : Imm.None;
    o = op(true, imm);
  } else if (b0 === 0x0f) {
    if (p >= code.length) return undefined;
    const b1 = code[p++];
    if (b1 === 0x38) {
      if (p >= code.length) return undefined;
      p++;
      o = op(true);
    } else if (b1 === 0x3a) {
      if (p >= code.length) return undefined;
      p++;
      o = op(true, Imm.B);
    } else {
      o = TWO[b1];
    }
  } else {
    o = ONE[b0];
    ret = b0 === 0xc3 || b0 === 0xc2;
  }
  if (!o) return undefined;
  let imm = o.imm;
  if (o.modrm) {
    if ((b0 === 0xf6 || b0 === 0xf7) && p < code.length && ((code[p] >> 3) & 7) < 2) {
      imm = b0 === 0xf6 ? Imm.B : Imm.Z; // TEST r/m, imm
    }
    const n = modrmLength(code, p, addr32);
    if (n === undefined) return undefined;
    p += n;
  }
  switch (imm) {
    case Imm.B:
      p += 1;
      break;
    case Imm.W:
      p += 2;
      break;
    case Imm.Z:
      p += opsize16 && b0 !== 0xe8 && b0 !== 0xe9 && b0 !== 0x0f ? 2 : 4;
      break;
    case Imm.V:
      p += rexW ? 8 : opsize16 ? 2 : 4;
      break;
    case Imm.M:
      p += addr32 ? 4 : 8;
      break;
    case Imm.WB:
      p += 3;
      break;
  }
  if (p > code.length || p - pos > 15) return undefined;
  return { length: p - pos, ret };
}

/**
 * Offsets (from the start of `code`) of every RET in one function's code,
 * or undefined when some instruction is not understood or the walk does not
 * end exactly at the end of `code` (then the boundaries cannot be trusted).
 */
export function findReturns(code: Uint8Array): number[] | undefined {
  const rets: number[] = [];
  let p = 0;
  while (p < code.length) {
    const d = decodeOne(code, p);
    if (!d) return undefined;
    if (d.ret) rets.push(p);
    p += d.length;
  }
  return p === code.length ? rets : undefined;
}
