/**
 * The acceptance scenarios: which peers run, in which order, over which
 * transport. The same definitions drive the fixture self-test (no monitor),
 * the monitored runs (harness.ts) and the distributed runs (stack.ts).
 */
import { join } from 'node:path';
import {
  COMMS,
  makeCert,
  runNodeClient,
  runPythonClient,
  startServer,
  type CertFiles,
  type ClientSummary,
  type Scheme,
} from './peers';

export type ScenarioName = 'stdio' | 'http' | 'https' | 'sse' | 'big-stdio' | 'big-https' | 'evil';

export interface ScenarioContext {
  /** Scratch directory of this run. */
  dir: string;
  /** Record wire transcripts (fixture self-test only: never while monitored, see tap.mjs). */
  transcripts: boolean;
}

/** One client session as the golden builder needs to know it. */
export interface SessionRecord {
  transport: 'stdio' | 'http';
  tls: boolean;
  clientComm: string;
  serverComm: string;
  /** Transcript of the client (and, over stdio, of the server it spawned). */
  clientTranscript?: string;
  /** Transcript of a listening server, shared by consecutive sessions. */
  serverTranscript?: string;
}

export interface ScenarioResult {
  summaries: ClientSummary[];
  sessions: SessionRecord[];
}

export interface Scenario {
  name: ScenarioName;
  /** What the scenario proves, for test titles and the README table. */
  title: string;
  /** Process names to pass to the monitor's --comm. */
  comms: string[];
  /** Summary counts the clients must print, in order. */
  expected: { requests: number; notifications: number }[];
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

const FULL = { requests: 13, notifications: 7 };
const BIG = { requests: 3, notifications: 1 };
const EVIL = { requests: 4, notifications: 1 };
const PY = { requests: 6, notifications: 1 };

function transcript(ctx: ScenarioContext, name: string): string | undefined {
  return ctx.transcripts ? join(ctx.dir, `${name}.transcript.jsonl`) : undefined;
}

/** One listening server, then Node (and optionally python) clients one after another. */
async function overHttp(
  ctx: ScenarioContext,
  scheme: Scheme,
  clients: { kind: 'node-http' | 'node-sse' | 'python'; scenario?: 'full' | 'big' }[],
): Promise<ScenarioResult> {
  const cert: CertFiles | undefined = scheme === 'https' ? await makeCert(ctx.dir) : undefined;
  const serverTranscript = transcript(ctx, 'server');
  const server = await startServer(scheme, { cert, transcript: serverTranscript });
  const summaries: ClientSummary[] = [];
  const sessions: SessionRecord[] = [];
  try {
    for (const [i, c] of clients.entries()) {
      const clientTranscript = transcript(ctx, `client-${i}`);
      if (c.kind === 'python') {
        summaries.push(await runPythonClient({ url: server.url, caFile: cert!.cert, transcript: clientTranscript }));
      } else {
        summaries.push(
          await runNodeClient({
            scenario: c.scenario ?? 'full',
            transport: c.kind === 'node-sse' ? 'sse' : 'http',
            url: server.url,
            caFile: cert?.cert,
            transcript: clientTranscript,
          }),
        );
      }
      sessions.push({
        transport: 'http',
        tls: scheme === 'https',
        clientComm: c.kind === 'python' ? COMMS.python : COMMS.client,
        serverComm: COMMS.server,
        clientTranscript,
        serverTranscript,
      });
    }
  } finally {
    await server.stop();
  }
  return { summaries, sessions };
}

async function overStdio(ctx: ScenarioContext, scenario: 'full' | 'big' | 'evil'): Promise<ScenarioResult> {
  const clientTranscript = transcript(ctx, 'client-0');
  const summary = await runNodeClient({ scenario, transport: 'stdio', transcript: clientTranscript });
  return {
    summaries: [summary],
    sessions: [
      {
        transport: 'stdio',
        tls: false,
        clientComm: COMMS.client,
        serverComm: scenario === 'evil' ? COMMS.evil : COMMS.server,
        clientTranscript,
      },
    ],
  };
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  stdio: {
    name: 'stdio',
    title: 'stdio: SDK client spawns the SDK server, every method family',
    comms: [COMMS.client, COMMS.server],
    expected: [FULL],
    run: (ctx) => overStdio(ctx, 'full'),
  },
  http: {
    name: 'http',
    title: 'streamable HTTP on plain 127.0.0.1',
    comms: [COMMS.client, COMMS.server],
    expected: [FULL],
    run: (ctx) => overHttp(ctx, 'http', [{ kind: 'node-http' }]),
  },
  https: {
    name: 'https',
    title: 'streamable HTTP over HTTPS: Node client (OpenSSL in node) and python client (system libssl)',
    comms: [COMMS.client, COMMS.server, COMMS.python],
    expected: [FULL, PY],
    run: (ctx) => overHttp(ctx, 'https', [{ kind: 'node-http' }, { kind: 'python' }]),
  },
  sse: {
    name: 'sse',
    title: 'deprecated HTTP+SSE transport on plain 127.0.0.1',
    comms: [COMMS.client, COMMS.server],
    expected: [FULL],
    run: (ctx) => overHttp(ctx, 'http', [{ kind: 'node-sse' }]),
  },
  'big-stdio': {
    name: 'big-stdio',
    title: '5 MiB tool result over stdio',
    comms: [COMMS.client, COMMS.server],
    expected: [BIG],
    run: (ctx) => overStdio(ctx, 'big'),
  },
  'big-https': {
    name: 'big-https',
    title: '5 MiB tool result over HTTPS',
    comms: [COMMS.client, COMMS.server],
    expected: [BIG],
    run: (ctx) => overHttp(ctx, 'https', [{ kind: 'node-http', scenario: 'big' }]),
  },
  evil: {
    name: 'evil',
    title: 'malicious server: poisoned tool description and injected tool result',
    comms: [COMMS.client, COMMS.evil],
    expected: [EVIL],
    run: (ctx) => overStdio(ctx, 'evil'),
  },
};
