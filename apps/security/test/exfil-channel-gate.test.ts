/**
 * The exfiltration channel check (`channelCarries`, run by the toxic-flow detector on every `tools/call` outside the
 * verdict cache) first scans the text once for literals taken from its own regexes and returns at once when none is
 * there. The gate only saves time: wherever one of the check's regexes matches, the match must hold one of the
 * literals given for it, and the gated check must answer exactly as the ungated one. Checked on every string of every
 * corpus sample and, when the public data folder is there (`MCPSPY_SECURITY_DATA`, default /work/data/security: MCP
 * servers' docs, package READMEs, Debian docs, e-mails, prompt libraries, the held-out attack sets), on every text
 * file in it. Failures name the source and the shape, never the text.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHANNEL_SHAPES,
  channelCarries,
  channelCarriesUngated,
  channelGateOpen,
  DNS_COMMAND,
  DNS_COMMAND_GATES,
  ENV_DUMP,
  ENV_DUMP_GATES,
  REPO_MIRROR_GATES,
  REPO_MIRROR_OUT,
} from '../src/exfil-channel';
import { corpusStrings } from './corpus-strings';

/** Each regex the check runs, with the literals its matches hold (global, to see every match, not only the first). */
const FAMILIES: { name: string; re: RegExp; gates: readonly string[] }[] = [
  { name: 'DNS command', re: new RegExp(DNS_COMMAND.source, 'gi'), gates: DNS_COMMAND_GATES },
  { name: 'environment dump', re: new RegExp(ENV_DUMP.source, 'gim'), gates: ENV_DUMP_GATES },
  { name: 'repository mirror', re: new RegExp(REPO_MIRROR_OUT.source, 'gi'), gates: REPO_MIRROR_GATES },
  ...CHANNEL_SHAPES.map((c) => ({ name: c.name, re: new RegExp(c.re, 'gi'), gates: c.gates })),
];

interface Tally {
  matches: Map<string, number>;
  found: number;
  missed: string[];
}

function check(source: string, text: string, tally: Tally): void {
  for (const f of FAMILIES) {
    f.re.lastIndex = 0;
    for (const m of text.matchAll(f.re)) {
      tally.matches.set(f.name, (tally.matches.get(f.name) ?? 0) + 1);
      const lower = m[0].toLowerCase();
      if (!f.gates.some((g) => lower.includes(g))) tally.missed.push(`${source}: a ${f.name} match holds none of its literals`);
      else if (!channelGateOpen(text)) tally.missed.push(`${source}: a ${f.name} match with the gate closed`);
    }
  }
  // The whole check, gated and not, as the detector calls it (a tool name that is not a DNS tool: a DNS tool's
  // name opens the check whatever the text holds).
  const ungated = channelCarriesUngated(text, 'run_command');
  if (ungated) tally.found++;
  if (JSON.stringify(ungated) !== JSON.stringify(channelCarries(text, 'run_command'))) tally.missed.push(`${source}: the gated check answers otherwise`);
}

function* textFiles(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) yield* textFiles(p);
    else if (st.size > 0 && st.size < 2e6) yield p;
  }
}

describe('exfiltration channel gate', () => {
  test('on every corpus string, every match of the check holds a literal of its gate, and gated answers equal ungated', () => {
    const tally: Tally = { matches: new Map(), found: 0, missed: [] };
    for (const { source, text } of corpusStrings()) check(source, text, tally);
    assert.deepEqual(tally.missed, []);
    // The corpus exercises the check: channels with carried data, and matches of most shapes.
    assert.ok(tally.found >= 10, `the check finds exfiltration in the corpus (${tally.found})`);
    assert.ok(tally.matches.size >= 6, `shapes matched: ${[...tally.matches.keys()].join(', ')}`);
  });

  const data = process.env.MCPSPY_SECURITY_DATA ?? '/work/data/security';
  test('on the public data (benign pools and held-out sets), the same', { skip: existsSync(data) ? false : `no data folder at ${data}` }, () => {
    const tally: Tally = { matches: new Map(), found: 0, missed: [] };
    let files = 0;
    for (const f of textFiles(data)) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('\u0000')) continue;
      files++;
      const source = f.slice(data.length + 1);
      // Each whole file for the matches (the check cuts its text at 64 KB), then in 4 KB pieces for the gated check.
      check(source, text, tally);
      for (let i = 0; i + 64 * 1024 < text.length && i < 1 << 21; i += 4096) check(`${source}@${i}`, text.slice(i, i + 4096), tally);
    }
    assert.deepEqual(tally.missed.slice(0, 20), []);
    assert.ok(files >= 1000, `text files read (${files})`);
    assert.ok(tally.matches.size >= 6, `shapes matched: ${[...tally.matches.keys()].join(', ')}`);
  });

  test('a text with none of the literals keeps the gate closed; each shape\'s own literal opens it, in any case', () => {
    assert.equal(channelGateOpen('alpha beta gamma search docs vector kernel tracing socket stream'), false);
    assert.equal(channelCarries('alpha beta gamma search docs vector kernel tracing socket stream', 'search_docs'), undefined);
    for (const f of FAMILIES) for (const g of f.gates) assert.ok(channelGateOpen(`x ${g.toUpperCase()} y`), `${f.name}: ${g}`);
    // A DNS tool's name opens the check whatever the text.
    assert.ok(channelCarries('c2VjcmV0X2tleT1za19saXZlXzUxSGZ.t.exfil-dns.org', 'dns_lookup'));
  });
});
