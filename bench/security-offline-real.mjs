// A realistic mix for the security speed bench (bench/security-offline.mjs --mix real), beside the synthetic one of
// security-offline-texts.mjs (seven English fragments repeated): ~1 KB chunks of real text an agent reads — e-mails,
// npm and Debian documentation, MCP servers' READMEs and tool descriptions — and the helper writers' training texts
// (apps/security/training/writer-*.jsonl: tool results, calls and descriptions, many outside English, about half
// attacks), every text cut to at most 1,024 characters. Neither the blind hold-outs nor training/unseen/ is read.
// Deterministic: the same folder gives the same texts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkTextFiles } from './text-files.mjs';

const writersDir = new URL('../apps/security/training/', import.meta.url).pathname;
const POOLS = ['python-email', 'npm-docs', 'debian-docs', 'modelcontextprotocol+servers', 'github+github-mcp-server', 'microsoft+playwright-mcp', 'grafana+mcp-grafana', 'hashicorp+terraform-mcp-server', 'mongodb-js+mongodb-mcp-server'];

/** `count` texts with their context ('definition' for tool descriptions): half from the data folder's pools, half writers'. */
export function realTexts(data = '/work/data/security', count = 1000) {
  const writers = [];
  for (const f of readdirSync(writersDir).filter((n) => /^writer-[a-z]+\.jsonl$/.test(n)).sort()) {
    for (const line of readFileSync(join(writersDir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const s = JSON.parse(line);
      if (typeof s.text === 'string' && s.text.length >= 40) writers.push({ text: s.text.slice(0, 1024), context: s.form === 'description' ? 'definition' : 'result' });
    }
  }
  const pooled = [];
  for (const p of POOLS) {
    let files;
    try {
      files = walkTextFiles(join(data, p));
    } catch {
      continue;
    }
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('\u0000')) continue;
      for (let at = 0; at + 200 < text.length && at < 64 * 1024; at += 1024) pooled.push({ text: text.slice(at, at + 1024), context: 'result' });
    }
  }
  const pick = (list, n) => {
    if (list.length === 0) return [];
    const step = Math.max(1, Math.floor(list.length / n));
    return list.filter((_, i) => i % step === 0).slice(0, n);
  };
  const half = count >> 1;
  const out = [...pick(pooled, half), ...pick(writers, count - half)];
  while (out.length < count && out.length > 0) out.push(out[out.length % Math.max(1, out.length)]);
  return out;
}
