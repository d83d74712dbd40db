/**
 * The web view: messages (the TUI's filters and search), a message's detail,
 * sessions as timelines, per-tool latency and errors, alerts, capture
 * notices. Every string from traffic is a text node, passed through
 * visibleText; nothing is ever parsed as HTML.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { McpMessageEvent } from '@mcpspy/events';
import { visibleText } from '@mcpspy/events/display-text';
import type { WebAlert, WebMessage } from '../web-protocol';
import { JsonView, type Marks } from './json-view';
import { clock, endpointsOf, isErrorResult, kindOf, methodOf, sessionOf, targetOf, ViewState } from './state';
import { SessionsView } from './sessions';

const v = (s: unknown, max = Infinity) => visibleText(String(s ?? ''), max);

type Tab = 'messages' | 'sessions' | 'tools' | 'alerts' | 'notices';

interface Filters {
  transport: string;
  type: string;
  method: string;
  process: string;
  search: string;
  alertsOnly: boolean;
}

const NO_FILTERS: Filters = { transport: '', type: '', method: '', process: '', search: '', alertsOnly: false };
const MAX_ROWS = 500;

function matches(wm: WebMessage, f: Filters, state: ViewState): boolean {
  const m = wm.m;
  if (f.transport && m.transport_type !== f.transport) return false;
  if (f.type && kindOf(m) !== f.type) return false;
  if (f.alertsOnly && !state.alertsOf(wm)) return false;
  if (f.method) {
    const q = f.method.toLowerCase();
    if (!methodOf(m).toLowerCase().includes(q) && !targetOf(m).toLowerCase().includes(q)) return false;
  }
  if (f.process) {
    const { from, to } = endpointsOf(m);
    const q = f.process.toLowerCase();
    if (!from.toLowerCase().includes(q) && !to.toLowerCase().includes(q)) return false;
  }
  if (f.search && !m.raw.toLowerCase().includes(f.search.toLowerCase())) return false;
  return true;
}

function detailOf(m: McpMessageEvent): string {
  const k = kindOf(m);
  if (k === 'ERR') return [m.error?.code, m.error?.message].filter((x) => x !== undefined).join(' ');
  if (k === 'RESP') return isErrorResult(m) ? 'isError' : 'OK';
  return m.description ?? '';
}

function FilterBar({ f, set }: { f: Filters; set: (f: Filters) => void }) {
  const input = (key: 'method' | 'process' | 'search', label: string) => (
    <label>
      {label}
      <input type="search" value={f[key]} data-filter={key} onInput={(e) => set({ ...f, [key]: (e.target as HTMLInputElement).value })} />
    </label>
  );
  return (
    <div class="filters">
      <label>
        transport
        <select value={f.transport} data-filter="transport" onChange={(e) => set({ ...f, transport: (e.target as HTMLSelectElement).value })}>
          <option value="">all</option>
          <option value="stdio">stdio</option>
          <option value="http">http</option>
        </select>
      </label>
      <label>
        type
        <select value={f.type} data-filter="type" onChange={(e) => set({ ...f, type: (e.target as HTMLSelectElement).value })}>
          <option value="">all</option>
          <option value="REQ">REQ</option>
          <option value="RESP">RESP</option>
          <option value="NOTF">NOTF</option>
          <option value="ERR">ERR</option>
        </select>
      </label>
      {input('method', 'method / tool')}
      {input('process', 'process')}
      {input('search', 'search')}
      <label>
        <input type="checkbox" checked={f.alertsOnly} data-filter="alerts" onChange={(e) => set({ ...f, alertsOnly: (e.target as HTMLInputElement).checked })} />
        alerts only
      </label>
      <button type="button" onClick={() => set(NO_FILTERS)}>
        clear
      </button>
    </div>
  );
}

function MessageRow({ wm, state, selected, select }: { wm: WebMessage; state: ViewState; selected: boolean; select: (n: number) => void }) {
  const m = wm.m;
  const k = kindOf(m);
  const { from, to } = endpointsOf(m);
  const target = targetOf(m);
  const alerted = !!state.alertsOf(wm);
  return (
    <tr class={`row kind-${k}${selected ? ' selected' : ''}${alerted ? ' alerted' : ''}`} data-n={wm.n} onClick={() => select(wm.n)}>
      <td class="mark">{alerted ? '▲' : ''}</td>
      <td class="time">{clock(m.timestamp)}</td>
      <td>{m.transport_type}</td>
      <td class={`kind kind-${k}`}>{k}</td>
      <td class="method">
        {v(methodOf(m), 80)}
        {target ? <span class="target"> ({v(target, 80)})</span> : null}
      </td>
      <td class="proc">
        {v(from, 40)} → {v(to, 40)}
      </td>
      <td class="detail">
        {m.id !== undefined && m.id !== null ? <span class="id">id={v(JSON.stringify(m.id), 24)} </span> : null}
        {wm.ms !== undefined ? <span class="ms">{wm.ms} ms </span> : null}
        {v(detailOf(m), 120)}
      </td>
    </tr>
  );
}

/** Marks for a message's JSON from the evidence of its alerts. */
function marksOf(alerts: WebAlert[] | undefined): Marks {
  const marks: Marks = new Map();
  for (const wa of alerts ?? []) {
    for (const e of wa.a.evidence ?? []) {
      if (typeof e.field !== 'string' || !Number.isFinite(e.start) || !Number.isFinite(e.end)) continue;
      const list = marks.get(e.field) ?? [];
      list.push([e.start, e.end, String(e.rule ?? '')]);
      marks.set(e.field, list);
    }
  }
  return marks;
}

/** The JSON-RPC message as sent: parsed from raw when whole, else rebuilt from the fields. */
function wireObject(wm: WebMessage): unknown {
  const m = wm.m;
  if (!wm.cut) {
    try {
      return JSON.parse(m.raw);
    } catch {
      // fall through: show the fields the parser kept
    }
  }
  const o: Record<string, unknown> = { jsonrpc: '2.0' };
  if (m.id !== undefined) o.id = m.id;
  if (m.method !== undefined) o.method = m.method;
  if (m.params !== undefined) o.params = m.params;
  if (m.result !== undefined) o.result = m.result;
  if (m.error && Object.keys(m.error).length) o.error = m.error;
  return o;
}

function AlertBox({ wa, open, state }: { wa: WebAlert; open?: (n: number) => void; state: ViewState }) {
  const a = wa.a;
  const target = open ? state.messageOf(wa) : undefined;
  return (
    <div class={`alert risk-${v(a.risk)}`} data-alert={wa.n}>
      <div class="alert-head">
        <span class="badge">{v(a.risk).toUpperCase()}</span> <b>{v(a.category)}</b> score={Number(a.score).toFixed(2)} detector={v(a.detector)}{' '}
        <span class="time">{clock(a.timestamp)}</span>
        {open && target ? (
          <button type="button" class="link" onClick={() => open(target.n)}>
            open message
          </button>
        ) : null}
      </div>
      <div class="summary">{v(a.summary, 500)}</div>
      <div class="alert-msg">
        {v(a.message?.type)} {v(a.message?.method ?? '')} · {v(a.message?.comm ?? '')}[{v(a.message?.pid ?? '?')}] · {v(a.message?.session ?? '')}
      </div>
      <ul class="evidence-list">
        {(a.evidence ?? []).map((e, i) => (
          <li key={i}>
            <code>{v(e.field, 120)}</code> [{v(e.rule, 60)}] <mark class="evidence">{v(e.text, 200)}</mark>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Detail({ wm, state, select }: { wm: WebMessage; state: ViewState; select: (n: number) => void }) {
  const m = wm.m;
  const alerts = state.alertsOf(wm);
  const pair = wm.pair !== undefined ? state.byN.get(wm.pair) : undefined;
  const { from, to } = endpointsOf(m);
  const [tab, setTab] = useState<'json' | 'pair' | 'raw'>('json');
  return (
    <div class="detail-pane" data-detail={wm.n}>
      <h2>
        <span class={`kind kind-${kindOf(m)}`}>{kindOf(m)}</span> {v(methodOf(m), 120)} {targetOf(m) ? <span class="target">({v(targetOf(m), 120)})</span> : null}
      </h2>
      <dl class="facts">
        <dt>time</dt>
        <dd>{v(m.timestamp)}</dd>
        <dt>from → to</dt>
        <dd>
          {v(from)} → {v(to)}
        </dd>
        <dt>transport</dt>
        <dd>
          {v(m.transport_type)}
          {m.http_transport ? ` ${v(m.http_transport.method ?? '')} ${v(m.http_transport.path ?? '')}${m.http_transport.tls ? ' (TLS)' : ''}` : ''}
        </dd>
        <dt>session</dt>
        <dd>{v(sessionOf(m))}</dd>
        <dt>msg_id</dt>
        <dd>{v(m.msg_id ?? '')}</dd>
        {wm.ms !== undefined ? (
          <>
            <dt>duration</dt>
            <dd>{wm.ms} ms</dd>
          </>
        ) : null}
        {wm.cut ? (
          <>
            <dt>size</dt>
            <dd>large message: cut by the web view (the JSONL output has it whole)</dd>
          </>
        ) : null}
      </dl>
      {alerts?.map((wa) => <AlertBox key={wa.n} wa={wa} state={state} />)}
      <div class="subtabs">
        <button type="button" class={tab === 'json' ? 'on' : ''} onClick={() => setTab('json')}>
          message
        </button>
        {m.type !== 'notification' ? (
          <button type="button" class={tab === 'pair' ? 'on' : ''} data-tab="pair" onClick={() => setTab('pair')}>
            {m.type === 'request' ? 'response' : 'request'}
            {pair ? '' : m.request ? ' (embedded)' : ' (not seen)'}
          </button>
        ) : null}
        <button type="button" class={tab === 'raw' ? 'on' : ''} data-tab="raw" onClick={() => setTab('raw')}>
          raw
        </button>
      </div>
      {tab === 'json' ? <JsonView value={wireObject(wm)} marks={marksOf(alerts)} /> : null}
      {tab === 'pair' ? (
        pair ? (
          <div>
            <button type="button" class="link" onClick={() => select(pair.n)}>
              go to {kindOf(pair.m)} at {clock(pair.m.timestamp)}
            </button>
            <JsonView value={wireObject(pair)} marks={marksOf(state.alertsOf(pair))} />
          </div>
        ) : m.request ? (
          <JsonView value={m.request} />
        ) : (
          <p class="empty">The pair of this message was not seen (or is no longer held).</p>
        )
      ) : null}
      {tab === 'raw' ? <pre class="raw">{v(m.raw)}</pre> : null}
    </div>
  );
}

function MessagesView({ state, selected, select }: { state: ViewState; selected?: number; select: (n: number) => void }) {
  const [f, setF] = useState<Filters>(NO_FILTERS);
  const rows: WebMessage[] = [];
  let total = 0;
  for (let i = state.messages.length - 1; i >= 0; i--) {
    if (!matches(state.messages[i], f, state)) continue;
    total++;
    if (rows.length < MAX_ROWS) rows.push(state.messages[i]);
  }
  const sel = selected !== undefined ? state.byN.get(selected) : undefined;
  return (
    <div class="split">
      <div class="list">
        <FilterBar f={f} set={setF} />
        <div class="hint">
          {total === 0 ? (state.messages.length === 0 ? 'waiting for MCP traffic…' : 'no message matches the filters') : `${total} messages${total > rows.length ? `, newest ${rows.length} shown` : ''}`}
        </div>
        <table class="messages">
          <thead>
            <tr>
              <th />
              <th>time</th>
              <th>trans</th>
              <th>type</th>
              <th>method / tool</th>
              <th>from → to</th>
              <th>details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((wm) => (
              <MessageRow key={wm.n} wm={wm} state={state} selected={wm.n === selected} select={select} />
            ))}
          </tbody>
        </table>
      </div>
      {sel ? <Detail key={sel.n} wm={sel} state={state} select={select} /> : <div class="detail-pane empty">Select a message to see its JSON, its pair and its raw text.</div>}
    </div>
  );
}

function ToolsView({ state }: { state: ViewState }) {
  const worst = Math.max(1, ...state.tools.map((t) => t.p95 ?? 0));
  return (
    <table class="tools">
      <thead>
        <tr>
          <th>method</th>
          <th>tool / prompt</th>
          <th>calls</th>
          <th>errors</th>
          <th>timed</th>
          <th>p50 ms</th>
          <th>p95 ms</th>
          <th>max ms</th>
          <th>mean ms</th>
          <th>p95</th>
        </tr>
      </thead>
      <tbody>
        {state.tools.map((t) => (
          <tr key={`${t.method}\u0000${t.target}`} class={t.errors ? 'has-errors' : ''}>
            <td>{v(t.method, 80)}</td>
            <td class="target">{v(t.target, 80)}</td>
            <td class="num">{t.calls}</td>
            <td class={t.errors ? "num err" : "num"}>{t.errors}</td>
            <td class="num">{t.timed}</td>
            <td class="num">{t.p50 ?? ''}</td>
            <td class="num">{t.p95 ?? ''}</td>
            <td class="num">{t.max ?? ''}</td>
            <td class="num">{t.mean ?? ''}</td>
            <td class="barcell">
              <div class="bar" style={{ width: `${Math.round(((t.p95 ?? 0) / worst) * 100)}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AlertsView({ state, open }: { state: ViewState; open: (n: number) => void }) {
  if (state.alerts.length === 0) return <p class="empty">No alert (alerts need --security on the monitor).</p>;
  return (
    <div class="alerts">
      {[...state.alerts].reverse().map((wa) => (
        <AlertBox key={wa.n} wa={wa} open={open} state={state} />
      ))}
    </div>
  );
}

function NoticesView({ state }: { state: ViewState }) {
  const list = [...state.notices.values()].reverse();
  if (list.length === 0) return <p class="empty">No capture notice: everything seen could be shown.</p>;
  return (
    <table class="notices">
      <thead>
        <tr>
          <th>time</th>
          <th>reason</th>
          <th>stage</th>
          <th>process</th>
          <th>stream</th>
          <th>count</th>
          <th>detail</th>
          <th>sample</th>
        </tr>
      </thead>
      <tbody>
        {list.map(({ key, e }) => (
          <tr key={key}>
            <td class="time">{clock(e.timestamp)}</td>
            <td>{v(e.reason)}</td>
            <td>{v(e.stage)}</td>
            <td>{e.pid ? `${v(e.comm ?? '?')}[${e.pid}]` : ''}</td>
            <td>{v(e.stream ?? '', 60)}</td>
            <td class="num">{e.count}</td>
            <td>{v(e.detail, 300)}</td>
            <td>
              <code>{v(e.sample ?? '', 200)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function App({ state }: { state: ViewState }) {
  const [, setVersion] = useState(0);
  const [tab, setTab] = useState<Tab>('messages');
  const [selected, setSelected] = useState<number | undefined>();
  useEffect(() => state.onChange(() => setVersion(state.version)), [state]);
  const open = (n: number) => {
    setSelected(n);
    setTab('messages');
  };
  const tabs: Array<[Tab, string]> = [
    ['messages', `Messages (${state.messages.length})`],
    ['sessions', 'Sessions'],
    ['tools', 'Tools'],
    ['alerts', `Alerts (${state.alerts.length})`],
    ['notices', `Notices (${state.notices.size})`],
  ];
  return (
    <div class="app">
      <header>
        <span class="brand">mcpspy</span>
        <nav>
          {tabs.map(([t, label]) => (
            <button type="button" key={t} data-view={t} class={tab === t ? 'on' : ''} onClick={() => setTab(t)}>
              {label}
            </button>
          ))}
        </nav>
        <span class={`conn conn-${state.connection}`} data-connection={state.connection}>
          {state.connection === 'lost' ? 'disconnected: open the address mcpspy printed (with its token) again' : state.connection}
        </span>
        <span class="counts">
          {state.counts.messages} msgs · {state.counts.alerts} alerts{state.counts.evicted ? ` · ${state.counts.evicted} no longer held` : ''}
        </span>
      </header>
      <main>
        {tab === 'messages' ? <MessagesView state={state} selected={selected} select={setSelected} /> : null}
        {tab === 'sessions' ? <SessionsView state={state} open={open} /> : null}
        {tab === 'tools' ? <ToolsView state={state} /> : null}
        {tab === 'alerts' ? <AlertsView state={state} open={open} /> : null}
        {tab === 'notices' ? <NoticesView state={state} /> : null}
      </main>
    </div>
  );
}

const state = new ViewState();
state.connect();
render(<App state={state} />, document.getElementById('app')!);
