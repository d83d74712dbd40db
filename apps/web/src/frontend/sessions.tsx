/**
 * Sessions, each as a timeline: the client and the server are lanes, each
 * call a bar from its request to its response (drawn in the lane of the side
 * that answers it) labelled with its duration, each notification a tick in
 * the lane of its sender.
 */
import { useState } from 'preact/hooks';
import { visibleText } from '@mcpspy/events/display-text';
import type { WebMessage } from '../web-protocol';
import { clock, endpointsOf, isErrorResult, kindOf, methodOf, sessionOf, targetOf, ViewState } from './state';

const v = (s: unknown, max = Infinity) => visibleText(String(s ?? ''), max);

type Lane = 'client' | 'server';

interface Session {
  key: string;
  transport: string;
  messages: WebMessage[];
  client: string;
  server: string;
  first: number;
  last: number;
}

interface Call {
  n: number;
  lane: Lane;
  start: number;
  end?: number;
  label: string;
  failed: boolean;
}

interface Tick {
  n: number;
  lane: Lane;
  at: number;
  label: string;
}

/** Methods a server sends to its client; everything else goes client → server. */
const SERVER_TO_CLIENT = new Set(['sampling/createMessage', 'roots/list', 'elicitation/create']);

/** Who sent a message: the client or the server of its session. */
function senderOf(wm: WebMessage, clientId: string | undefined): Lane {
  const m = wm.m;
  if (m.transport_type === 'http' && m.http_transport) return m.http_transport.is_request ? 'client' : 'server';
  return endpointsOf(m).from === clientId ? 'client' : 'server';
}

function sessionsOf(state: ViewState): Session[] {
  const map = new Map<string, Session>();
  for (const wm of state.messages) {
    const key = sessionOf(wm.m);
    let s = map.get(key);
    const t = Date.parse(wm.m.timestamp);
    if (!s) {
      s = { key, transport: wm.m.transport_type, messages: [], client: '', server: '', first: t, last: t };
      map.set(key, s);
    }
    s.messages.push(wm);
    s.last = Math.max(s.last, t);
    s.first = Math.min(s.first, t);
  }
  for (const s of map.values()) {
    // The client is who sent initialize, else who sent the first client-to-server request.
    const m0 =
      s.messages.find((w) => w.m.type === 'request' && w.m.method === 'initialize') ??
      s.messages.find((w) => w.m.type === 'request' && !SERVER_TO_CLIENT.has(w.m.method ?? ''));
    if (s.transport === 'http') {
      const h = s.messages[0].m.http_transport;
      s.client = h ? `${h.comm || '?'}[${h.pid}]` : '?';
      s.server = h?.host || '?';
    } else if (m0) {
      const e = endpointsOf(m0.m);
      s.client = e.from;
      s.server = e.to;
    } else {
      const e = endpointsOf(s.messages[0].m);
      s.client = e.to;
      s.server = e.from;
    }
  }
  return [...map.values()].sort((a, b) => b.last - a.last);
}

function buildTimeline(s: Session, state: ViewState): { calls: Call[]; ticks: Tick[] } {
  const calls: Call[] = [];
  const ticks: Tick[] = [];
  for (const wm of s.messages) {
    const m = wm.m;
    const at = Date.parse(m.timestamp);
    const sender = senderOf(wm, s.client);
    const target = targetOf(m);
    const label = `${methodOf(m)}${target ? ` ${target}` : ''}`;
    if (m.type === 'notification') {
      ticks.push({ n: wm.n, lane: sender, at, label });
    } else if (m.type === 'request') {
      const resp = wm.pair !== undefined ? state.byN.get(wm.pair) : undefined;
      const failed = !!resp && (kindOf(resp.m) === 'ERR' || isErrorResult(resp.m));
      // The side that answers does the work: the bar goes in its lane.
      calls.push({ n: wm.n, lane: sender === 'client' ? 'server' : 'client', start: at, end: resp ? Date.parse(resp.m.timestamp) : undefined, label, failed });
    } else if (wm.pair === undefined && m.request?.timestamp) {
      // A response whose request is no longer held (or was not seen): its embedded copy gives the start.
      calls.push({ n: wm.n, lane: sender, start: Date.parse(m.request.timestamp), end: at, label, failed: kindOf(m) === 'ERR' || isErrorResult(m) });
    }
  }
  return { calls, ticks };
}

const ROW = 24;
const MIN_BAR = 6;

const LABEL_ROOM = 190;

/** Where a bar's label goes: after the bar, or before it near the right edge. */
function labelLeft(left: number, width: number): boolean {
  return left > width - LABEL_ROOM;
}

/** First-fit rows so overlapping bars (with their labels) do not cover each other. */
function packRows(calls: Call[], x: (t: number) => number, width: number): Map<number, number> {
  const rows: Array<Array<[number, number]>> = [];
  const out = new Map<number, number>();
  for (const c of [...calls].sort((a, b) => a.start - b.start)) {
    const left = x(c.start);
    const right = Math.max(left + MIN_BAR, x(c.end ?? c.start));
    const span: [number, number] = labelLeft(left, width) ? [left - LABEL_ROOM, right] : [left, Math.max(right, left + LABEL_ROOM)];
    let r = rows.findIndex((row) => row.every(([a, b]) => span[1] <= a || span[0] >= b));
    if (r < 0) r = rows.push([]) - 1;
    rows[r].push(span);
    out.set(c.n, r);
  }
  return out;
}

function Timeline({ s, state, open, zoom }: { s: Session; state: ViewState; open: (n: number) => void; zoom: number }) {
  const { calls, ticks } = buildTimeline(s, state);
  const t0 = Math.min(s.first, ...calls.map((c) => c.start));
  const t1 = Math.max(s.last, ...calls.map((c) => c.end ?? c.start));
  const span = Math.max(1, t1 - t0);
  // The whole session fits the view at zoom 1; zooming widens it (scrolls sideways).
  const width = 1000 * zoom;
  const x = (t: number) => Math.round(((t - t0) / span) * width);
  const lanes: Lane[] = ['client', 'server'];
  const step = niceStep(span / (8 * zoom));
  const marks: number[] = [];
  for (let t = 0; t <= span; t += step) marks.push(t);
  return (
    <div class="timeline-wrap">
      <div class="timeline" data-session={s.key} style={{ width: `${width + 40}px` }}>
        <div class="axis">
          {marks.map((t) => (
            <span key={t} class="tick-label" style={{ left: `${x(t0 + t)}px` }}>
              +{fmtMs(t)}
            </span>
          ))}
        </div>
        {lanes.map((lane) => {
          const laneCalls = calls.filter((c) => c.lane === lane);
          const rows = packRows(laneCalls, x, width);
          const nRows = Math.max(1, ...[...rows.values()].map((r) => r + 1));
          return (
            <div key={lane} class={`lane lane-${lane}`} data-lane={lane} style={{ height: `${(nRows + 1) * ROW}px` }}>
              <div class="lane-name">
                {lane}: {v(lane === 'client' ? s.client : s.server, 60)}
              </div>
              {laneCalls.map((c) => {
                const left = x(c.start);
                const w = Math.max(MIN_BAR, x(c.end ?? c.start) - left);
                const ms = c.end !== undefined ? c.end - c.start : undefined;
                return (
                  <div
                    key={c.n}
                    class={`call${c.failed ? ' failed' : ''}${c.end === undefined ? ' open' : ''}`}
                    data-call={c.n}
                    title={`${v(c.label, 200)} ${ms !== undefined ? `${ms} ms` : 'no response seen'}`}
                    style={{ left: `${left}px`, top: `${(rows.get(c.n)! + 1) * ROW}px`, width: `${w}px` }}
                    onClick={() => open(c.n)}
                  >
                    <span class={`call-label${labelLeft(left, width) ? ' before' : ''}`}>
                      {v(c.label, 60)} · {ms !== undefined ? `${ms} ms` : '…'}
                    </span>
                  </div>
                );
              })}
              {ticks
                .filter((t) => t.lane === lane)
                .map((t) => (
                  <div key={t.n} class="note" data-note={t.n} title={v(t.label, 200)} style={{ left: `${x(t.at)}px` }} onClick={() => open(t.n)} />
                ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (p * m >= raw) return p * m;
  return p * 10;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${ms} ms`;
}

export function SessionsView({ state, open }: { state: ViewState; open: (n: number) => void }) {
  const sessions = sessionsOf(state);
  const [chosen, setChosen] = useState<string | undefined>();
  const [zoom, setZoom] = useState(1);
  const s = sessions.find((x) => x.key === chosen) ?? sessions[0];
  if (!s) return <p class="empty">No session yet.</p>;
  const { calls } = buildTimeline(s, state);
  return (
    <div class="sessions">
      <ul class="session-list">
        {sessions.map((x) => (
          <li key={x.key} class={x.key === s.key ? 'on' : ''} data-session-item={x.key} onClick={() => setChosen(x.key)}>
            <div class="session-key">{v(x.key, 60)}</div>
            <div class="session-peers">
              {v(x.client, 40)} ⇄ {v(x.server, 40)}
            </div>
            <div class="session-meta">
              {x.messages.length} msgs · {clock(new Date(x.first).toISOString())} – {clock(new Date(x.last).toISOString())}
            </div>
          </li>
        ))}
      </ul>
      <div class="session-detail">
        <h2>
          {v(s.key)} <span class="dim">({v(s.transport)})</span>
        </h2>
        <div class="zoom">
          zoom
          {[1, 4, 16, 64].map((z) => (
            <button type="button" key={z} class={zoom === z ? 'on' : ''} onClick={() => setZoom(z)}>
              ×{z}
            </button>
          ))}
        </div>
        <Timeline s={s} state={state} open={open} zoom={zoom} />
        <table class="calls">
          <thead>
            <tr>
              <th>start</th>
              <th>by</th>
              <th>call</th>
              <th>duration</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr key={c.n} class={c.failed ? 'has-errors' : ''} onClick={() => open(c.n)}>
                <td class="time">{clock(new Date(c.start).toISOString())}</td>
                <td>{c.lane === 'server' ? 'client → server' : 'server → client'}</td>
                <td>{v(c.label, 100)}</td>
                <td class="num">{c.end !== undefined ? `${c.end - c.start} ms` : '…'}</td>
                <td>{c.end === undefined ? 'no response seen' : c.failed ? 'error' : 'ok'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
