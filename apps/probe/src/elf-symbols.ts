/**
 * Just enough ELF reading (64-bit little-endian) to decide where TLS uprobes
 * go: which functions a file defines in its dynamic or static symbol table,
 * its sections (for Go's .gopclntab and the code of a function), and how a
 * virtual address maps to the file offset a uprobe is attached at.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
/** Upper bound of a symbol or string table we read (a Go binary's .symtab is a few MB). */
const MAX_TABLE = 256 * 1024 * 1024;

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  defined: boolean;
}

interface LoadSegment {
  vaddr: number;
  offset: number;
  filesz: number;
  flags: number;
}

export class ElfFile {
  readonly sections: ElfSection[] = [];
  private readonly segments: LoadSegment[] = [];

  private constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** undefined when the file is not a readable 64-bit little-endian ELF. */
  static open(path: string): ElfFile | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return undefined;
    }
    try {
      const f = new ElfFile(fd, fstatSync(fd).size);
      if (f.parse()) return f;
    } catch {
      // a truncated or hostile header: not ours to probe
    }
    closeSync(fd);
    return undefined;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  read(pos: number, len: number): Buffer {
    const b = Buffer.alloc(Math.max(0, Math.min(len, this.size - pos)));
    let got = 0;
    while (got < b.length) {
      const n = readSync(this.fd, b, got, b.length - got, pos + got);
      if (n <= 0) break;
      got += n;
    }
    return got === b.length ? b : b.subarray(0, got);
  }

  private parse(): boolean {
    const eh = this.read(0, 64);
    // ELF magic, ELFCLASS64, little-endian.
    if (eh.length < 64 || eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return false;
    const phoff = Number(eh.readBigUInt64LE(0x20));
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const phentsize = eh.readUInt16LE(0x36);
    const phnum = eh.readUInt16LE(0x38);
    const shentsize = eh.readUInt16LE(0x3a);
    const shnum = eh.readUInt16LE(0x3c);
    const shstrndx = eh.readUInt16LE(0x3e);
    if (phoff && phentsize >= 56 && phnum > 0 && phnum < 4096) {
      const ph = this.read(phoff, phentsize * phnum);
      for (let i = 0; (i + 1) * phentsize <= ph.length; i++) {
        const o = i * phentsize;
        if (ph.readUInt32LE(o) !== PT_LOAD) continue;
        this.segments.push({
          flags: ph.readUInt32LE(o + 4),
          offset: Number(ph.readBigUInt64LE(o + 8)),
          vaddr: Number(ph.readBigUInt64LE(o + 0x10)),
          filesz: Number(ph.readBigUInt64LE(o + 0x20)),
        });
      }
    }
    if (shoff && shentsize >= 64 && shnum > 0 && shnum < 65535) {
      const sh = this.read(shoff, shentsize * shnum);
      for (let i = 0; (i + 1) * shentsize <= sh.length; i++) {
        const o = i * shentsize;
        this.sections.push({
          name: '',
          type: sh.readUInt32LE(o + 4),
          addr: Number(sh.readBigUInt64LE(o + 0x10)),
          offset: Number(sh.readBigUInt64LE(o + 0x18)),
          size: Number(sh.readBigUInt64LE(o + 0x20)),
          link: sh.readUInt32LE(o + 0x28),
          entsize: Number(sh.readBigUInt64LE(o + 0x38)),
        });
      }
      const names = this.sections[shstrndx];
      if (names && names.size < 1024 * 1024) {
        const strs = this.read(names.offset, names.size);
        for (let i = 0; i < this.sections.length; i++) {
          this.sections[i].name = cString(strs, sh.readUInt32LE(i * shentsize));
        }
      }
    }
    return true;
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Bytes of a section (empty for NOBITS or absurd sizes). */
  sectionData(s: ElfSection): Buffer {
    if (s.type === 8 /* SHT_NOBITS */ || s.size > MAX_TABLE) return Buffer.alloc(0);
    return this.read(s.offset, s.size);
  }

  /** File offset of a virtual address inside a loaded segment (what a uprobe is attached at). */
  fileOffset(vaddr: number): number | undefined {
    for (const p of this.segments) {
      if (vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return vaddr - p.vaddr + p.offset;
    }
    return undefined;
  }

  /** Virtual address of a file offset inside a loaded segment. */
  vaddrOf(offset: number): number | undefined {
    for (const p of this.segments) {
      if (offset >= p.offset && offset < p.offset + p.filesz) return offset - p.offset + p.vaddr;
    }
    return undefined;
  }

  /** Bytes at a virtual address (short when it runs past its segment). */
  readVaddr(vaddr: number, len: number): Buffer {
    const off = this.fileOffset(vaddr);
    return off === undefined ? Buffer.alloc(0) : this.read(off, len);
  }

  /** Executable segments' [vaddr, vaddr + size) ranges. */
  codeRanges(): { vaddr: number; offset: number; size: number }[] {
    return this.segments.filter((p) => p.flags & 1 /* PF_X */).map((p) => ({ vaddr: p.vaddr, offset: p.offset, size: p.filesz }));
  }

  /** Defined function symbols of .symtab (and .dynsym) whose names pass `test`. */
  symbolsMatching(test: (name: string) => boolean): ElfSymbol[] {
    const out: ElfSymbol[] = [];
    for (const s of this.sections) {
      if (s.type !== SHT_DYNSYM && s.type !== SHT_SYMTAB) continue;
      const strtab = this.sections[s.link];
      if (!strtab || s.entsize < 24 || s.size > MAX_TABLE || strtab.size > MAX_TABLE) continue;
      const syms = this.read(s.offset, s.size);
      const strs = this.read(strtab.offset, strtab.size);
      for (let o = 0; o + 24 <= syms.length; o += s.entsize) {
        if (syms.readUInt16LE(o + 6) === 0 || (syms[o + 4] & 0xf) !== 2 /* STT_FUNC */) continue;
        const nameOff = syms.readUInt32LE(o);
        if (nameOff >= strs.length) continue;
        const name = cString(strs, nameOff);
        if (test(name)) out.push({ name, defined: true, value: Number(syms.readBigUInt64LE(o + 8)), size: Number(syms.readBigUInt64LE(o + 16)) });
      }
    }
    return out;
  }

  /**
   * Symbols named in `wanted` from the dynamic (and, with `staticToo`, the
   * static) symbol table. Defined ones win over imports of the same name.
   */
  symbols(wanted: ReadonlySet<string>, staticToo = false): Map<string, ElfSymbol> {
    const out = new Map<string, ElfSymbol>();
    for (const s of this.sections) {
      if (s.type !== SHT_DYNSYM && !(staticToo && s.type === SHT_SYMTAB)) continue;
      const strtab = this.sections[s.link];
      if (!strtab || s.entsize < 24 || s.size > MAX_TABLE || strtab.size > MAX_TABLE) continue;
      const syms = this.read(s.offset, s.size);
      const strs = this.read(strtab.offset, strtab.size);
      for (let o = 0; o + 24 <= syms.length; o += s.entsize) {
        const nameOff = syms.readUInt32LE(o);
        if (nameOff >= strs.length) continue;
        const name = cString(strs, nameOff);
        if (!wanted.has(name)) continue;
        const defined = syms.readUInt16LE(o + 6) !== 0; // SHN_UNDEF: an import, not the code
        if (out.get(name)?.defined && !defined) continue;
        out.set(name, { name, defined, value: Number(syms.readBigUInt64LE(o + 8)), size: Number(syms.readBigUInt64LE(o + 16)) });
      }
    }
    return out;
  }
}

export function cString(b: Buffer, off: number): string {
  let end = off;
  while (end < b.length && b[end] !== 0) end++;
  return b.toString('latin1', off, end);
}

/** Names (from `wanted`) that the 64-bit little-endian ELF at `path` defines and exports. */
export function definedDynamicSymbols(path: string, wanted: readonly string[]): Set<string> {
  const f = ElfFile.open(path);
  if (!f) return new Set();
  try {
    const found = new Set<string>();
    for (const s of f.symbols(new Set(wanted)).values()) if (s.defined) found.add(s.name);
    return found;
  } finally {
    f.close();
  }
}
