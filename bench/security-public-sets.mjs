// Public evaluation sets for bench/security-eval.mjs, read from the data
// folder (outside the repository, see apps/security/model-sources.json), wrapped as
// the MCP traffic an agent would see. None of them is used by the trainer
// (bench/security-train-classifier.mjs) or was used to tune rules:
//   agent-egress-bench   luckyPipewrench/agent-egress-bench, MCP-shaped cases
//                        (tool definitions, calls, results, fetched pages):
//                        block = attack, allow = benign
//   promptmap            utkusen/promptmap jailbreak / prompt-stealing /
//                        distraction prompts, as a tool result: attacks only
//   mcp-servers          modelcontextprotocol/servers tool and argument
//                        descriptions, one tools/list each: benign only
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TS = '2025-02-11T09:00:00.000Z';
let seq = 0;
const stdio = (client) => (client ? { from_pid: 4000, from_comm: 'agent', to_pid: 4100, to_comm: 'server' } : { from_pid: 4100, from_comm: 'server', to_pid: 4000, to_comm: 'agent' });

export function request(method, params) {
  const id = ++seq;
  return { timestamp: TS, transport_type: 'stdio', stdio_transport: stdio(true), type: 'request', id, method, params, error: {}, raw: '', msg_id: `pub:${id}`, session: 'pub' };
}
export function response(method, params, result) {
  const id = ++seq;
  return { timestamp: TS, transport_type: 'stdio', stdio_transport: stdio(false), type: 'response', id, result, error: {}, request: { type: 'request', id, method, params, error: {} }, raw: '', msg_id: `pub:${id}`, session: 'pub' };
}

const walk = (dir, keep, out = []) => {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, keep, out);
    else if (keep(p) && st.size < 400_000) out.push(p);
  }
  return out;
};

/** JSON-RPC messages of a case, as McpMessageEvents (responses paired by id with the case's requests, else by result shape). */
function casesMessages(rpc) {
  const byId = new Map();
  const out = [];
  for (const m of rpc) {
    if (m && m.method && m.id !== undefined) byId.set(m.id, m);
  }
  for (const m of rpc) {
    if (!m || typeof m !== 'object') continue;
    if (m.method) {
      out.push({ ...request(m.method, m.params ?? {}), id: m.id ?? null, type: m.id === undefined ? 'notification' : 'request' });
    } else if (m.result !== undefined || m.error) {
      const req = byId.get(m.id);
      const r = req ? response(req.method, req.params ?? {}, m.result) : { ...response('x', {}, m.result), request: undefined };
      out.push({ ...r, error: m.error ?? {} });
    }
  }
  return out;
}

export function loadPublicSets(dataDir) {
  const sets = {};
  const egress = join(dataDir, 'luckyPipewrench+agent-egress-bench/cases');
  if (existsSync(egress)) {
    sets['agent-egress-bench'] = [];
    for (const file of walk(egress, (p) => p.endsWith('.json'))) {
      const c = JSON.parse(readFileSync(file, 'utf8'));
      let messages;
      if (Array.isArray(c.payload?.jsonrpc_messages) && c.input_type?.startsWith('mcp_')) messages = casesMessages(c.payload.jsonrpc_messages);
      else if (c.input_type === 'response_content' && typeof c.payload?.response_body === 'string') {
        // A page the agent fetched: the answer of a fetch tool.
        messages = [response('tools/call', { name: 'fetch', arguments: { url: c.payload.url } }, { content: [{ type: 'text', text: c.payload.response_body }] })];
      } else continue;
      if (!messages.length) continue;
      sets['agent-egress-bench'].push({ id: c.id, group: c.category, attack: c.expected_verdict === 'block', messages });
    }
  }
  const pm = join(dataDir, 'utkusen+promptmap/rules');
  if (existsSync(pm)) {
    sets.promptmap = [];
    for (const file of walk(pm, (p) => p.endsWith('.yaml'))) {
      const y = readFileSync(file, 'utf8');
      const type = /^type:\s*(\S+)/m.exec(y)?.[1];
      if (!['jailbreak', 'prompt_stealing', 'distraction'].includes(type)) continue;
      const m = /^prompt:\s*\|?\s*\n((?:[ \t]+.*\n?|\s*\n)+)/m.exec(y) ?? /^prompt:\s*["']?(.+?)["']?\s*$/m.exec(y);
      if (!m) continue;
      const text = m[1].replace(/^[ \t]+/gm, '');
      sets.promptmap.push({ id: file.split('/').pop(), group: type, attack: true, messages: [response('tools/call', { name: 'read_page', arguments: {} }, { content: [{ type: 'text', text }] })] });
    }
  }
  const servers = join(dataDir, 'modelcontextprotocol+servers/src');
  if (existsSync(servers)) {
    sets['mcp-servers'] = [];
    const res = [
      /description:\s*(?:'((?:[^'\\\n]|\\.){20,})'|"((?:[^"\\\n]|\\.){20,})"|`([^`]{20,})`)/g,
      /\.describe\(\s*(?:'((?:[^'\\\n]|\\.){20,})'|"((?:[^"\\\n]|\\.){20,})"|`([^`]{20,})`)/g,
      /description=\s*(?:'((?:[^'\\\n]|\\.){20,})'|"((?:[^"\\\n]|\\.){20,})")/g,
    ];
    for (const file of walk(servers, (p) => /\.(ts|py)$/.test(p) && !/test|__tests__/.test(p))) {
      const src = readFileSync(file, 'utf8');
      const server = file.slice(servers.length + 1).split('/')[0];
      let k = 0;
      for (const re of res) {
        for (const m of src.matchAll(re)) {
          const description = (m[1] ?? m[2] ?? m[3]).replace(/\\n/g, '\n').replace(/\\(["'`])/g, '$1').replace(/"\s*\+\s*"/g, '');
          sets['mcp-servers'].push({ id: `${server}#${++k}`, group: server, attack: false, messages: [response('tools/list', {}, { tools: [{ name: `${server}_tool_${k}`, description, inputSchema: { type: 'object' } }] })] });
        }
      }
    }
  }
  return sets;
}
