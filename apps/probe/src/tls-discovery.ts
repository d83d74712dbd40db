/**
 * Decides, for one ELF file, which TLS library it carries and where its
 * plaintext read/write functions are, as a list of uprobes to attach:
 *   openssl  SSL_read/SSL_write(+_ex) exported (libssl.so*, node)
 *   gnutls   gnutls_record_recv/send exported (libgnutls.so.30)
 *   go       crypto/tls.(*Conn).Read/Write from .symtab or .gopclntab, with
 *            a uprobe at every RET (x86-length.ts) instead of a uretprobe
 *   rustls   <rustls Reader as io::Read>::read / <Writer as io::Write>::write
 *            from .symtab (Rust legacy mangling), entry + return probes
 *   boringssl SSL_read/SSL_write of a static BoringSSL without symbols (Bun),
 *            found by their error sites (boringssl-finder.ts)
 * Pure file reading: no BPF here, so it is testable on any binary.
 */
import { findBoringssl } from './boringssl-finder';
import { ElfFile } from './elf-symbols';
import { GO_MAGIC_118, GO_MAGIC_120, goFunctions, isGoBinary } from './go-symbols';
import { findReturns } from './x86-length';

/** enum mcpspy_tls_lib of bpf/include/events.h, also the attach cookie of the C-shaped hooks. */
export const TLS_LIBRARY_CODES = { openssl: 0, gnutls: 1, go: 2, boringssl: 3, rustls: 4 } as const;
export type TlsLibrary = keyof typeof TLS_LIBRARY_CODES;

export const SSL_FUNCTIONS = ['SSL_read', 'SSL_write', 'SSL_read_ex', 'SSL_write_ex'] as const;
export const GNUTLS_FUNCTIONS = ['gnutls_record_recv', 'gnutls_record_send'] as const;
export const GO_TLS_FUNCTIONS = ['crypto/tls.(*Conn).Read', 'crypto/tls.(*Conn).Write'] as const;
/** Largest Go function we decode (crypto/tls Read/Write are a few hundred bytes). */
const MAX_GO_FUNCTION = 64 * 1024;

export interface UprobeSpec {
  /** Program name in tls_uprobes.bpf.o. */
  program: string;
  /** Function name (libbpf resolves it) or file offset. */
  at: string | number;
  retprobe: boolean;
  cookie: number;
}

export interface TlsDiscovery {
  library?: TlsLibrary;
  probes: UprobeSpec[];
  /** Set when the file carries a TLS library whose functions could not be placed. */
  problem?: string;
  /** Where Go names came from. */
  source?: string;
}

const SSL_ENTRY: Record<string, string> = {
  SSL_read: 'handle_ssl_read_enter',
  SSL_write: 'handle_ssl_write_enter',
  SSL_read_ex: 'handle_ssl_read_ex_enter',
  SSL_write_ex: 'handle_ssl_write_ex_enter',
};

function cShaped(fns: string[], entry: (f: string) => string, cookie: number): UprobeSpec[] {
  const out: UprobeSpec[] = [];
  for (const f of fns) {
    out.push({ program: entry(f), at: f, retprobe: false, cookie });
    out.push({ program: 'handle_ssl_exit', at: f, retprobe: true, cookie });
  }
  return out;
}

/** What to attach in the ELF file at `path`; `probes` is empty when there is nothing. */
export function discoverTls(path: string): TlsDiscovery {
  const elf = ElfFile.open(path);
  if (!elf) return { probes: [] };
  try {
    return discoverIn(elf);
  } catch (err) {
    return { probes: [], problem: `failed to read ${path}: ${(err as Error).message}` };
  } finally {
    elf.close();
  }
}

export function discoverIn(elf: ElfFile): TlsDiscovery {
  const dyn = elf.symbols(new Set<string>([...SSL_FUNCTIONS, ...GNUTLS_FUNCTIONS]));
  const has = (n: string) => dyn.get(n)?.defined === true;
  // libgnutls-openssl: an OpenSSL-named wrapper over gnutls_record_*, which are hooked already.
  const wrapsGnutls = dyn.has('gnutls_record_recv') && !has('gnutls_record_recv');
  if (has('SSL_read') && has('SSL_write') && !wrapsGnutls) {
    const fns = SSL_FUNCTIONS.filter(has);
    return { library: 'openssl', probes: cShaped(fns, (f) => SSL_ENTRY[f], TLS_LIBRARY_CODES.openssl) };
  }
  if (has('gnutls_record_recv') && has('gnutls_record_send')) {
    const entry = (f: string) => (f === 'gnutls_record_recv' ? 'handle_ssl_read_enter' : 'handle_ssl_write_enter');
    return { library: 'gnutls', probes: cShaped([...GNUTLS_FUNCTIONS], entry, TLS_LIBRARY_CODES.gnutls) };
  }
  if (isGoBinary(elf)) return discoverGo(elf);
  const rust = discoverRustls(elf);
  if (rust.library) return rust;
  return discoverBoringssl(elf);
}

/** `<rustls::conn::Reader as std::io::Read>::read` in legacy mangling (any module path under rustls). */
const RUSTLS_READ = /^_ZN\d+_\$LT\$rustls\.\.(?:[a-z_]+\.\.)*Reader\$u20\$as\$u20\$std\.\.io\.\.Read\$GT\$4read17h[0-9a-f]{16}E$/;
const RUSTLS_WRITE = /^_ZN\d+_\$LT\$rustls\.\.(?:[a-z_]+\.\.)*Writer\$u20\$as\$u20\$std\.\.io\.\.Write\$GT\$5write17h[0-9a-f]{16}E$/;

function discoverRustls(elf: ElfFile): TlsDiscovery {
  // Only worth a .symtab walk in binaries that name rustls at all.
  if (!elf.section('.symtab')) return { probes: [] };
  const syms = elf.symbolsMatching((n) => n.includes('rustls') && (RUSTLS_READ.test(n) || RUSTLS_WRITE.test(n)));
  const read = syms.filter((s) => RUSTLS_READ.test(s.name));
  const write = syms.filter((s) => RUSTLS_WRITE.test(s.name));
  if (read.length === 0 && write.length === 0) return { probes: [] };
  if (read.length !== 1 || write.length !== 1) {
    return { library: 'rustls', probes: [], problem: `rustls reader/writer: ${read.length}/${write.length} symbols, expected 1/1` };
  }
  const r = elf.fileOffset(read[0].value);
  const w = elf.fileOffset(write[0].value);
  if (r === undefined || w === undefined) return { library: 'rustls', probes: [], problem: 'rustls reader/writer outside the loaded code' };
  const cookie = TLS_LIBRARY_CODES.rustls;
  return {
    library: 'rustls',
    source: 'symtab',
    probes: [
      { program: 'handle_rustls_read_enter', at: r, retprobe: false, cookie },
      { program: 'handle_rustls_exit', at: r, retprobe: true, cookie },
      { program: 'handle_rustls_write_enter', at: w, retprobe: false, cookie },
      { program: 'handle_rustls_exit', at: w, retprobe: true, cookie },
    ],
  };
}

function discoverBoringssl(elf: ElfFile): TlsDiscovery {
  const r = findBoringssl(elf);
  if (!r) return { probes: [] };
  if ('notFound' in r) return { library: 'boringssl', probes: [], problem: r.notFound, source: 'error sites' };
  const read = elf.fileOffset(r.found.SSL_read);
  const write = elf.fileOffset(r.found.SSL_write);
  if (read === undefined || write === undefined) return { library: 'boringssl', probes: [], problem: 'SSL_read/SSL_write outside the loaded code' };
  const cookie = TLS_LIBRARY_CODES.boringssl;
  return {
    library: 'boringssl',
    source: 'error sites',
    probes: [
      { program: 'handle_ssl_read_enter', at: read, retprobe: false, cookie },
      { program: 'handle_ssl_exit', at: read, retprobe: true, cookie },
      { program: 'handle_ssl_write_enter', at: write, retprobe: false, cookie },
      { program: 'handle_ssl_exit', at: write, retprobe: true, cookie },
    ],
  };
}

function discoverGo(elf: ElfFile): TlsDiscovery {
  // The register ABI the BPF side reads (amd64, Go 1.17+) is certain only
  // with a Go 1.18+ function table; older programs are refused, not guessed.
  const pcln = elf.section('.gopclntab');
  const magic = pcln ? elf.read(pcln.offset, 4) : Buffer.alloc(0);
  const version = magic.length === 4 ? magic.readUInt32LE(0) : 0;
  const found = goFunctions(elf, GO_TLS_FUNCTIONS);
  if (found && found.functions.size > 0 && version !== GO_MAGIC_118 && version !== GO_MAGIC_120) {
    return { library: 'go', probes: [], problem: `Go program older than 1.18 or without .gopclntab (magic 0x${version.toString(16)}): not probed` };
  }
  if (!found || found.functions.size === 0) return { probes: [] }; // a Go program without crypto/tls
  const probes: UprobeSpec[] = [];
  for (const name of GO_TLS_FUNCTIONS) {
    const fn = found.functions.get(name);
    if (!fn) return { library: 'go', probes: [], problem: `${name} not found (${found.source})`, source: found.source };
    const entryOff = elf.fileOffset(fn.entry);
    if (entryOff === undefined || fn.size <= 0 || fn.size > MAX_GO_FUNCTION) {
      return { library: 'go', probes: [], problem: `${name} is outside the loaded code`, source: found.source };
    }
    const code = elf.read(entryOff, fn.size);
    // The pclntab size runs to the next function, so it includes the INT3 padding; the decoder walks it too.
    const rets = code.length === fn.size ? findReturns(code) : undefined;
    if (!rets || rets.length === 0) {
      return { library: 'go', probes: [], problem: `cannot decode the machine code of ${name} to find its returns`, source: found.source };
    }
    const isRead = name.endsWith('Read');
    probes.push({ program: isRead ? 'handle_go_read_enter' : 'handle_go_write_enter', at: entryOff, retprobe: false, cookie: TLS_LIBRARY_CODES.go });
    // Write is emitted at entry (bpf/tls_uprobes.bpf.c); its RETs are decoded all the same, as a check of the layout.
    if (isRead) for (const r of rets) probes.push({ program: 'handle_go_ret', at: entryOff + r, retprobe: false, cookie: TLS_LIBRARY_CODES.go });
  }
  return { library: 'go', probes, source: found.source };
}
