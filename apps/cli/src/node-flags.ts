/**
 * The node (V8) flags each kind of mcpspy process starts with, in one table,
 * and the re-exec that gives them to a process started without them.
 *
 * Why at start: V8 sizes the young generation when the heap is created, so
 * `--max-semi-space-size` set later (v8.setFlagsFromString) changes nothing
 * (bench/README.md, session 11, nats16 (5)). `bin/mcpspy.js` therefore looks
 * at its command before loading anything, and when the role's flags are
 * missing it replaces itself (execve: same pid, same stdio, same environment)
 * with `node <role flags> <the flags it had> bin/mcpspy.js <the same args>`.
 * Whoever starts mcpspy keeps the last word: a flag of the same name on node's
 * command line or in NODE_OPTIONS is left as it is, and
 * MCPSPY_ROLE_NODE_FLAGS=0 turns the table off (V8's own defaults).
 *
 * Loaded by bin/mcpspy.js before the command's code: node built-ins only here,
 * koffi (already a dependency, for libbpf) only when a re-exec is due.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type * as KoffiApi from 'koffi' with { 'resolution-mode': 'import' };

/** The kinds of process the table knows: the live monitor, a replay, and each `serve` stage. */
export type NodeRole = 'monitor' | 'replay' | 'probe' | 'http-session' | 'mcp-parser' | 'security' | 'sink' | 'web';

/**
 * The flags per role. Figures behind each (10k msg/s, bench/README.md):
 * - monitor, replay: 16 MB semispaces, chosen by the embedded benches (session 3: ~8% less CPU than 4 MB); V8's
 *   own default on 64-bit Node 20 is also 16, but written out so a Node with another default does not change it.
 *   And 16 from the start (`--min-semi-space-size`, emb25): V8 starts the young generation at 1 MB and grows it only
 *   while many objects survive; the monitor's garbage dies young, so at 10k msg/s it stayed near 8 MB: about twice
 *   the scavenges and objects promoted early, old-generation collections during the traffic. A user's lower
 *   `--max-semi-space-size` still wins (V8 caps the minimum at the maximum).
 * - sink: 8 MB. At 16 the ArrayBuffers nats.js allocates for batches that span socket reads put the sink into one
 *   mark-compact per scavenge interval (sink16): 17.3 -> 10.0 us per message, p99 of the stack 210 -> 85 ms.
 * - security: 8 MB. Alone 0.77 of its CPU at 16 and PSS 165 -> 104 MB (4 MB: 1.32 of 8); in the stack CPU equal,
 *   PSS lower (semi17).
 * - probe, http-session, mcp-parser, web: V8's default (nats10: 32 MB on mcp-parser within noise for +30 MB PSS;
 *   semi17: 8 MB on mcp-parser and http-session no lower in CPU, mcp-parser's PSS higher).
 */
export const ROLE_NODE_FLAGS: Readonly<Record<NodeRole, readonly string[]>> = {
  monitor: ['--max-semi-space-size=16', '--min-semi-space-size=16'],
  replay: ['--max-semi-space-size=16', '--min-semi-space-size=16'],
  probe: [],
  'http-session': [],
  'mcp-parser': [],
  security: ['--max-semi-space-size=8'],
  sink: ['--max-semi-space-size=8'],
  web: [],
};

const SERVE_ROLES: readonly NodeRole[] = ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web'];
/** Sub-commands that run no pipeline: no flags, no re-exec (they answer at once or do one short job). */
const PLAIN_COMMANDS = new Set(['scan', 'coverage', 'version', 'help']);
const HELP_FLAGS = new Set(['-h', '--help', '-V', '--version']);

/**
 * The role of `mcpspy ARGS` (ARGS without node and the script), or undefined for a command that gets no flags
 * (help, version, scan, coverage, an unknown stage). The command is the first argument that names one; an option's
 * value that happens to be such a word could mislead it, which would only cost the table's flags.
 */
export function roleOf(args: readonly string[]): NodeRole | undefined {
  if (args.some((a) => HELP_FLAGS.has(a))) return undefined;
  const i = args.findIndex((a) => a === 'serve' || a === 'replay' || PLAIN_COMMANDS.has(a));
  if (i < 0) return 'monitor';
  if (args[i] === 'replay') return 'replay';
  if (args[i] !== 'serve') return undefined;
  return SERVE_ROLES.find((r) => args.slice(i + 1).includes(r));
}

/** `--max_semi_space_size=8` and `--max-semi-space-size 8` both name `--max-semi-space-size`. */
function flagName(flag: string): string {
  return flag.split('=', 1)[0].replace(/_/g, '-');
}

/** NODE_OPTIONS split as node splits it (whitespace; double quotes group, as node allows). */
function nodeOptionsFlags(nodeOptions: string | undefined): string[] {
  if (!nodeOptions) return [];
  return [...nodeOptions.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** The role's flags that whoever started the process did not set (by name) on node's command line or in NODE_OPTIONS. */
export function missingNodeFlags(role: NodeRole | undefined, execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  if (!role) return [];
  const set = new Set([...execArgv, ...nodeOptionsFlags(nodeOptions)].filter((f) => f.startsWith('--')).map(flagName));
  return ROLE_NODE_FLAGS[role].filter((f) => !set.has(flagName(f)));
}

interface ExecLike {
  execve(path: string, argv: readonly string[], env: Record<string, string | undefined>): void;
}

/** execve(2): process.execve where node has it (22.15 / 23.11 and later), libc's through koffi otherwise. Throws when it fails. */
function execve(path: string, argv: readonly string[], env: NodeJS.ProcessEnv): never {
  const own = (process as unknown as Partial<ExecLike>).execve;
  if (typeof own === 'function') {
    own.call(process, path, argv, env);
    throw new Error('process.execve returned');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof KoffiApi;
  const libc = koffi.load('libc.so.6');
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
  const exec = libc.func('int execve(const char *path, const char **argv, const char **envp)');
  // node marks its standard streams close-on-exec: without this the new image would start with /dev/null on 0-2.
  const F_GETFD = 1;
  const F_SETFD = 2;
  const FD_CLOEXEC = 1;
  for (const fd of [0, 1, 2]) {
    const flags = fcntl(fd, F_GETFD) as number;
    if (flags >= 0 && flags & FD_CLOEXEC) fcntl(fd, F_SETFD, 'int', flags & ~FD_CLOEXEC);
  }
  const envp = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  exec(path, [...argv, null], [...envp, null]);
  throw new Error(`execve failed (errno ${koffi.errno()})`);
}

export interface ApplyResult {
  role: NodeRole | undefined;
  /** The role's table flags this process lacks (empty when it has them all, or has the user's own of those names). */
  missing: string[];
  /** Why a re-exec that was due did not happen (the process goes on with V8's defaults). */
  failed?: string;
}

/**
 * Called first thing by bin/mcpspy.js: when the role of this command has table flags the process lacks, replaces
 * the process with one that has them (does not return). Returns when nothing is due, when MCPSPY_ROLE_NODE_FLAGS=0,
 * when the process was forked with an IPC channel (its descriptor would not survive), or when the re-exec failed
 * (`failed` says why; the command then runs with V8's defaults).
 */
export function applyRoleNodeFlags(args: readonly string[] = process.argv.slice(2)): ApplyResult {
  const role = roleOf(args);
  // Set by the re-exec below for the new image only: not passed on to anything this process starts.
  const reexeced = process.env.MCPSPY_ROLE_NODE_FLAGS === 'applied';
  if (reexeced) delete process.env.MCPSPY_ROLE_NODE_FLAGS;
  if (process.env.MCPSPY_ROLE_NODE_FLAGS === '0') return { role, missing: [] };
  const missing = missingNodeFlags(role, process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length === 0) return { role, missing };
  if (process.env.NODE_CHANNEL_FD !== undefined) return { role, missing, failed: 'started with an IPC channel (fork)' };
  // The second image must not try again if the flags did not take (a node that drops them): at most one re-exec.
  if (reexeced) return { role, missing, failed: 'flags missing after the re-exec' };
  try {
    execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, process.argv[1], ...args], {
      ...process.env,
      MCPSPY_ROLE_NODE_FLAGS: 'applied',
    });
  } catch (e) {
    return { role, missing, failed: (e as Error).message };
  }
}

/**
 * What MCPSPY_PRINT_NODE_FLAGS=1 prints (and exits): the role, node's flags, V8's heap size limit and the young
 * generation's semispace size now (`new_space`'s size: what `--min-semi-space-size` sets) as this process runs.
 */
export function nodeFlagsReport(result: ApplyResult): string {
  return `${JSON.stringify({ pid: process.pid, role: result.role ?? null, execArgv: process.execArgv, missing: result.missing, failed: result.failed ?? null, marker: process.env.MCPSPY_ROLE_NODE_FLAGS ?? null, heapSizeLimit: getHeapStatistics().heap_size_limit, newSpaceSize: newSpaceSize() })}\n`;
}

function newSpaceSize(): number | null {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? null;
}
