/**
 * Just enough ELF reading to tell whether a file defines SSL_read/SSL_write
 * in its dynamic symbol table, so uprobes go only where they can attach
 * (libbpf resolves the address itself from `func_name`).
 */
import { closeSync, openSync, readSync } from 'node:fs';

const SHT_DYNSYM = 11;

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n <= 0) break;
    got += n;
  }
  return got === len ? b : b.subarray(0, got);
}

/** Names (from `wanted`) that the 64-bit little-endian ELF at `path` defines and exports. */
export function definedDynamicSymbols(path: string, wanted: readonly string[]): Set<string> {
  const found = new Set<string>();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return found;
  }
  try {
    const eh = readAt(fd, 0, 64);
    // ELF magic, ELFCLASS64, little-endian: anything else is not ours to probe.
    if (eh.length < 64 || eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return found;
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shentsize = eh.readUInt16LE(0x3a);
    const shnum = eh.readUInt16LE(0x3c);
    if (!shoff || shentsize < 64 || shnum === 0 || shnum > 65535) return found;
    const sh = readAt(fd, shoff, shentsize * shnum);
    const section = (i: number) => {
      const o = i * shentsize;
      return {
        type: sh.readUInt32LE(o + 4),
        offset: Number(sh.readBigUInt64LE(o + 0x18)),
        size: Number(sh.readBigUInt64LE(o + 0x20)),
        link: sh.readUInt32LE(o + 0x28),
        entsize: Number(sh.readBigUInt64LE(o + 0x38)),
      };
    };
    for (let i = 0; i < shnum; i++) {
      const s = section(i);
      if (s.type !== SHT_DYNSYM || s.link >= shnum || s.entsize < 24) continue;
      const strtab = section(s.link);
      if (s.size > 64 * 1024 * 1024 || strtab.size > 64 * 1024 * 1024) continue;
      const syms = readAt(fd, s.offset, s.size);
      const strs = readAt(fd, strtab.offset, strtab.size);
      const want = new Set(wanted);
      for (let o = 0; o + 24 <= syms.length; o += s.entsize) {
        const nameOff = syms.readUInt32LE(o);
        const shndx = syms.readUInt16LE(o + 6);
        if (shndx === 0 || nameOff >= strs.length) continue; // undefined: an import, not the code
        let end = nameOff;
        while (end < strs.length && strs[end] !== 0) end++;
        const name = strs.toString('latin1', nameOff, end);
        if (want.has(name)) found.add(name);
      }
    }
    return found;
  } catch {
    return found;
  } finally {
    closeSync(fd);
  }
}
