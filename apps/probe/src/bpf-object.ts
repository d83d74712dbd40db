/**
 * One BPF object file through libbpf: open → configure → load → attach →
 * destroy. Thin on purpose; the probe decides what to configure.
 */
import { existsSync } from 'node:fs';
import { Handle, Libbpf, lastErrno } from './libbpf.ffi';
import { AttachError, BpfLoadError, BpfNotPermittedError, BpfObjectsMissingError } from './errors';

const EPERM = 1;

export class BpfObject {
  private readonly links: Handle[] = [];
  private loaded = false;

  private constructor(
    private readonly lib: Libbpf,
    readonly path: string,
    private readonly obj: Handle,
  ) {}

  static open(lib: Libbpf, path: string): BpfObject {
    if (!existsSync(path)) throw new BpfObjectsMissingError(path);
    const obj = lib.bpf_object__open_file(path, null);
    if (!obj) throw new BpfLoadError(path, lastErrno(), 'bpf_object__open_file failed');
    return new BpfObject(lib, path, obj);
  }

  private map(name: string): Handle {
    const m = this.lib.bpf_object__find_map_by_name(this.obj, name);
    if (!m) throw new BpfLoadError(this.path, 0, `map ${name} not found`);
    return m;
  }

  /** Before load only. */
  setMaxEntries(mapName: string, n: number): void {
    const r = this.lib.bpf_map__set_max_entries(this.map(mapName), n);
    if (r !== 0) throw new BpfLoadError(this.path, -r, `cannot size map ${mapName} to ${n}`);
  }

  /** Before load only: `mapName` becomes the map behind `fd` (shared with another object). */
  reuseMap(mapName: string, fd: number): void {
    const r = this.lib.bpf_map__reuse_fd(this.map(mapName), fd);
    if (r !== 0) throw new BpfLoadError(this.path, -r, `cannot share map ${mapName}`);
  }

  load(): void {
    // scripts/run-tests.mjs runs the files it believes load no BPF in a lane
    // beside the probe's own tests; one that does would race them for the host.
    if (process.env.MCPSPY_TEST_LANE === 'isolated') {
      throw new Error(
        `${this.path}: a test in run-tests' isolated lane tried to load BPF; mark its file for the host lane ` +
          '(use rootSkipReason or startProbe, or move it under apps/probe/test or tests/e2e)',
      );
    }
    const r = this.lib.bpf_object__load(this.obj);
    if (r !== 0) {
      const e = -r || lastErrno();
      // EACCES is the verifier saying no; EPERM is the kernel refusing bpf() itself.
      if (e === EPERM) throw new BpfNotPermittedError(this.path, e);
      throw new BpfLoadError(this.path, e, 'the verifier log above (stderr) has the details');
    }
    this.loaded = true;
  }

  mapFd(name: string): number {
    const fd = this.lib.bpf_map__fd(this.map(name));
    if (fd < 0) throw new BpfLoadError(this.path, -fd, `map ${name} has no fd (object not loaded?)`);
    return fd;
  }

  private programs(): { prog: Handle; name: string; section: string }[] {
    const out = [];
    let p: Handle | null = null;
    while ((p = this.lib.bpf_object__next_program(this.obj, p))) {
      out.push({ prog: p, name: this.lib.bpf_program__name(p), section: this.lib.bpf_program__section_name(p) });
    }
    return out;
  }

  /** The programs that are (or will be) loaded: those whose autoload is on. */
  private loadedPrograms(): { prog: Handle; name: string; section: string }[] {
    return this.programs().filter((p) => this.lib.bpf_program__autoload(p.prog));
  }

  /** The object's maps as declared (works before load): name, type (enum bpf_map_type), sizes. */
  maps(): { name: string; type: number; keySize: number; valueSize: number; maxEntries: number }[] {
    const out = [];
    let m: Handle | null = null;
    while ((m = this.lib.bpf_object__next_map(this.obj, m))) {
      out.push({
        name: this.lib.bpf_map__name(m),
        type: this.lib.bpf_map__type(m),
        keySize: this.lib.bpf_map__key_size(m),
        valueSize: this.lib.bpf_map__value_size(m),
        maxEntries: this.lib.bpf_map__max_entries(m),
      });
    }
    return out;
  }

  /** Section names of the object's programs (works before load). */
  sections(): string[] {
    return this.programs().map((p) => p.section);
  }

  /** Attaches every program whose section starts with `prefix` (libbpf's auto-attach: tracepoint/, fexit/, ...). */
  attachSections(prefix: string): number {
    let n = 0;
    for (const { prog, name, section } of this.loadedPrograms()) {
      if (!section.startsWith(prefix)) continue;
      const link = this.lib.bpf_program__attach(prog);
      if (!link) throw new AttachError(`${name} (${section})`, lastErrno());
      this.links.push(link);
      n++;
    }
    return n;
  }

  /**
   * Attaches every program whose section names a tracepoint. A failure on a
   * section `optional` accepts is skipped and returned; any other throws.
   */
  attachTracepoints(optional: (section: string) => boolean = () => false): { section: string; errno: number }[] {
    const skipped = [];
    for (const { prog, name, section } of this.loadedPrograms()) {
      if (!section.startsWith('tracepoint/')) continue;
      const link = this.lib.bpf_program__attach(prog);
      if (!link) {
        const errno = lastErrno();
        if (optional(section)) {
          skipped.push({ section, errno });
          continue;
        }
        throw new AttachError(`${name} (${section})`, errno);
      }
      this.links.push(link);
    }
    return skipped;
  }

  /**
   * Attaches `program` in `binaryPath` for every process (pid -1), at a
   * function name (libbpf resolves it) or at a file offset. `cookie` is what
   * bpf_get_attach_cookie returns inside the program. Returns the link.
   */
  attachUprobe(program: string, binaryPath: string, func: string | number, retprobe: boolean, cookie = 0): Handle {
    const prog = this.programs().find((p) => p.name === program);
    if (!prog) throw new AttachError(`${program}: no such program in ${this.path}`, 0);
    const byName = typeof func === 'string';
    const link = this.lib.bpf_program__attach_uprobe_opts(prog.prog, -1, binaryPath, byName ? 0 : func, {
      sz: 40,
      ref_ctr_offset: 0,
      bpf_cookie: cookie,
      retprobe,
      func_name: byName ? func : null,
    });
    const where = byName ? func : `0x${func.toString(16)}`;
    if (!link) throw new AttachError(`${program} to ${where} in ${binaryPath}`, lastErrno());
    this.links.push(link);
    return link;
  }

  detach(link: Handle): void {
    const i = this.links.indexOf(link);
    if (i >= 0) this.links.splice(i, 1);
    this.lib.bpf_link__destroy(link);
  }

  updateElem(map: string, key: Uint8Array, value: Uint8Array): void {
    const r = this.lib.bpf_map_update_elem(this.mapFd(map), key, value, 0);
    if (r !== 0) throw new BpfLoadError(this.path, -r || lastErrno(), `cannot update map ${map}`);
  }

  deleteElem(map: string, key: Uint8Array): void {
    this.lib.bpf_map_delete_elem(this.mapFd(map), key);
  }

  lookupElem(mapFd: number, key: Uint8Array, value: Uint8Array): boolean {
    return this.lib.bpf_map_lookup_elem(mapFd, key, value) === 0;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * destroy(), with the links detached side by side on worker threads: each
   * tracepoint's detach waits for a grace period, and one after another
   * they made stopping take seconds.
   */
  async destroyAsync(): Promise<void> {
    const links = this.links.splice(0);
    await Promise.all(links.map((l) => this.lib.bpf_link__destroy_async(l).catch(() => this.lib.bpf_link__destroy(l))));
    this.lib.bpf_object__close(this.obj);
  }

  /** Before load only: load `program` alone (every other program's autoload off). */
  only(program: string): void {
    for (const { prog, name } of this.programs()) this.lib.bpf_program__set_autoload(prog, name === program);
  }

  /**
   * Before load only: whether `program` is loaded (libbpf's autoload; attach* skip programs not loaded). False when
   * the object has no such program (an older build's objects, as the benches' --before runs use).
   */
  setAutoload(program: string, on: boolean): boolean {
    const prog = this.programs().find((p) => p.name === program);
    if (!prog) return false;
    this.lib.bpf_program__set_autoload(prog.prog, on);
    return true;
  }

  /** Attaches `program` where its section says (libbpf's auto-attach). */
  attachProgram(program: string): Handle {
    const prog = this.programs().find((p) => p.name === program);
    if (!prog) throw new AttachError(`${program}: no such program in ${this.path}`, 0);
    const link = this.lib.bpf_program__attach(prog.prog);
    if (!link) throw new AttachError(`${program} (${prog.section})`, lastErrno());
    this.links.push(link);
    return link;
  }

  /** Detaches every link and frees the object (maps and programs go with it). */
  destroy(): void {
    for (const l of this.links.splice(0)) this.lib.bpf_link__destroy(l);
    this.lib.bpf_object__close(this.obj);
  }
}
