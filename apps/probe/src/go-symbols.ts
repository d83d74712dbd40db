/**
 * Go functions of a binary: from `.symtab` when it is there, else from the
 * runtime's own function table (`.gopclntab`), which `-ldflags "-s -w"`
 * keeps because the runtime needs it for stack traces.
 *
 * pclntab layouts read here (src/runtime/symtab.go, src/debug/gosym):
 *   Go 1.18–1.19  magic 0xfffffff0
 *   Go 1.20+      magic 0xfffffff1 (same header and function table)
 * Header: magic u32, 0, 0, quantum u8, ptrSize u8, nfunc, nfiles, textStart,
 * funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset (each
 * ptrSize). The function table at pclnOffset holds nfunc+1 pairs of u32
 * (entry offset from textStart, offset of the _func from the table); a
 * _func starts with entryOff u32, nameOff i32 (into the name table).
 * Older layouts (Go 1.2–1.17) are refused: their binaries keep working,
 * only stripped ones cannot be probed.
 */
import { ElfFile, cString } from './elf-symbols';

export const GO_MAGIC_118 = 0xfffffff0;
export const GO_MAGIC_120 = 0xfffffff1;

export interface GoFunction {
  name: string;
  /** Entry virtual address. */
  entry: number;
  /** Byte size (up to the next function's entry). */
  size: number;
}

/** True when the file looks like a Go program (build info or pclntab section). */
export function isGoBinary(elf: ElfFile): boolean {
  return elf.section('.go.buildinfo') !== undefined || elf.section('.gopclntab') !== undefined || elf.section('.note.go.buildid') !== undefined;
}

/** Parsed header of a Go 1.18+ pclntab. */
interface Pclntab {
  data: Buffer;
  ptrSize: number;
  nfunc: number;
  textStart: number;
  funcnameOffset: number;
  pclnOffset: number;
}

export function parsePclntab(data: Buffer): Pclntab | undefined {
  if (data.length < 8 + 8 * 8) return undefined;
  const magic = data.readUInt32LE(0);
  if (magic !== GO_MAGIC_118 && magic !== GO_MAGIC_120) return undefined;
  if (data[4] !== 0 || data[5] !== 0) return undefined;
  const ptrSize = data[7];
  if (ptrSize !== 8) return undefined;
  const word = (i: number) => Number(data.readBigUInt64LE(8 + i * 8));
  const t: Pclntab = {
    data,
    ptrSize,
    nfunc: word(0),
    textStart: word(2),
    funcnameOffset: word(3),
    pclnOffset: word(7),
  };
  if (t.nfunc <= 0 || t.pclnOffset + (t.nfunc + 1) * 8 > data.length || t.funcnameOffset >= data.length) return undefined;
  return t;
}

/** The functions named in `wanted`, read from the pclntab. */
export function pclntabFunctions(t: Pclntab, wanted: ReadonlySet<string>): Map<string, GoFunction> {
  const out = new Map<string, GoFunction>();
  const d = t.data;
  const ft = t.pclnOffset;
  for (let i = 0; i < t.nfunc; i++) {
    const entryOff = d.readUInt32LE(ft + i * 8);
    const funcOff = d.readUInt32LE(ft + i * 8 + 4);
    const fo = ft + funcOff;
    if (fo + 8 > d.length) continue;
    const nameOff = d.readInt32LE(fo + 4);
    const no = t.funcnameOffset + nameOff;
    if (nameOff < 0 || no >= d.length) continue;
    const name = cString(d, no);
    if (!wanted.has(name)) continue;
    const next = d.readUInt32LE(ft + (i + 1) * 8);
    out.set(name, { name, entry: t.textStart + entryOff, size: next - entryOff });
  }
  return out;
}

/** Finds the pclntab: its section, or (section headers gone) by its magic in the read-only data. */
function findPclntab(elf: ElfFile): Pclntab | undefined {
  const sec = elf.section('.gopclntab');
  if (sec) return parsePclntab(elf.sectionData(sec));
  return undefined;
}

export interface GoLookup {
  functions: Map<string, GoFunction>;
  /** Where the names came from. */
  source: 'symtab' | 'pclntab';
}

/** The Go functions in `wanted`: .symtab first (exact sizes), then the pclntab. */
export function goFunctions(elf: ElfFile, wanted: readonly string[]): GoLookup | undefined {
  const want = new Set(wanted);
  const syms = elf.symbols(want, true);
  const fromSymtab = new Map<string, GoFunction>();
  for (const s of syms.values()) if (s.defined && s.size > 0) fromSymtab.set(s.name, { name: s.name, entry: s.value, size: s.size });
  if (fromSymtab.size > 0) return { functions: fromSymtab, source: 'symtab' };
  const t = findPclntab(elf);
  if (!t) return undefined;
  return { functions: pclntabFunctions(t, want), source: 'pclntab' };
}
