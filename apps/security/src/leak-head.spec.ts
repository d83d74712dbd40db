import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASSIFIER_BITS, ClassifierModel, prepareText, scorePrepared } from './classifier';
import { ClassifierDetector } from './detectors/classifier.detector';
import { decodeLeakHead, LEAK_ALONE_WEIGHT, LEAK_DETECTOR, LEAK_SUPPORT_WEIGHT, LeakHead } from './leak-head';
import { combineFindings } from './verdict';
import { toolCall } from './test-builders';
import type { AnalysisInput, Finding, TextContext } from './types';

/** A model whose every weight is 0: any text's margin is the bias, so its calibrated p is known in advance. */
function flat(p: number): ClassifierModel {
  const size = 1 << CLASSIFIER_BITS;
  return { bits: CLASSIFIER_BITS, bias: Math.log(p / (1 - p)), weights: new Float32Array(size), q8: new Int8Array(size), scale: 1, plattA: 1, plattB: 0 };
}
const head = (p: number): LeakHead => ({ model: flat(p), alone: 0.96, support: 0.5 });
/** The classifier itself stays silent (p 0.01): only the data-leak head can speak. */
const detector = (p: number) => new ClassifierDetector({ model: flat(0.01), order: null, semantic: null, category: null, leak: head(p) });
const input = (text: string, context: TextContext = 'result', direction: AnalysisInput['direction'] = 'response'): AnalysisInput => ({
  msg: {} as AnalysisInput['msg'],
  method: 'tools/call',
  direction,
  texts: [{ text, field: 'result.content[0].text', origin: 'plain', context }],
});
const RECORDS =
  'Customer export for the quarterly review: Ana Ruiz, born 1984-03-02, account 5521, phone 555 0101, Calle Mayor 4; ' +
  'Bo Li, born 1979-11-30, account 7730, phone 555 0199, 12 Harbour Road; Chiara Neri, born 1990-06-15, account 1184.';
const leakOf = (fs: Finding[]) => fs.find((f) => f.detector === LEAK_DETECTOR);

describe('data-leak head (round 16)', () => {
  test('decodes from the trainer\'s data without keeping the float copy; its points are alone and mid', () => {
    const data = { bits: 4, bias: 0.5, scale: 0.1, plattA: 1, plattB: 0, alone: 0.97, mid: 0.6, support: 0.2, weights: Buffer.alloc(16).toString('base64') };
    const h = decodeLeakHead(data);
    assert.equal(h.alone, 0.97);
    assert.equal(h.support, 0.6);
    assert.equal(h.model.q8?.length, 16);
    assert.equal(h.model.weights.length, 0);
  });

  test('above its stand-alone point it alerts alone as a data leak on a result, with the window redacted', () => {
    const f = leakOf(detector(0.99).detect(input(RECORDS)));
    assert.ok(f, 'a finding');
    assert.equal(f.category, 'data_leak');
    assert.equal(f.score, LEAK_ALONE_WEIGHT);
    assert.ok(!f.evidence[0]!.text.includes('Ana Ruiz, born'), `redacted: ${f.evidence[0]!.text}`);
    const alerts = combineFindings([f], toolCall({}), 'tools/call', 0.5);
    assert.deepEqual(alerts.map((a) => a.category), ['data_leak']);
  });

  test('between its points it only corroborates: alone it is dropped, beside a secrets finding the two add up', () => {
    const f = leakOf(detector(0.8).detect(input(RECORDS)));
    assert.ok(f);
    assert.equal(f.score, LEAK_SUPPORT_WEIGHT);
    assert.deepEqual(combineFindings([f], toolCall({}), 'tools/call', 0.01), []);
    const email: Finding = { detector: 'secrets', category: 'data_leak', score: 0.4, evidence: [{ text: 'a…', field: 'result.content[0].text', start: 0, end: 1, rule: 'email' }], summary: 'e-mail address' };
    assert.deepEqual(combineFindings([email], toolCall({}), 'tools/call', 0.5), [], 'one e-mail alone stays under 0.5');
    const both = combineFindings([email, f], toolCall({}), 'tools/call', 0.5);
    assert.equal(both.length, 1);
    assert.equal(both[0]!.score, 0.52); // 1 - 0.6 × 0.8
  });

  test('below its corroborating point, on arguments, definitions and requests it says nothing', () => {
    assert.equal(leakOf(detector(0.3).detect(input(RECORDS))), undefined);
    assert.equal(leakOf(detector(0.99).detect(input(RECORDS, 'argument'))), undefined);
    assert.equal(leakOf(detector(0.99).detect(input(RECORDS, 'definition'))), undefined);
    assert.equal(leakOf(detector(0.99).detect(input(RECORDS, 'result', 'request'))), undefined);
  });

  test('a short text or a printed listing only corroborates, however sure the head is', () => {
    assert.equal(leakOf(detector(0.999).detect(input('Ana Ruiz, born 1984-03-02, account 5521.')))?.score, LEAK_SUPPORT_WEIGHT);
    const lines = Array.from({ length: 40 }, (_, i) => `mcpe2e big text line ${String(i).padStart(7, '0')} abcdefghijklmnopqrstuvwxyz0123456789`).join('\n');
    assert.equal(leakOf(detector(0.999).detect(input(lines)))?.score, LEAK_SUPPORT_WEIGHT);
  });

  test('without a head (the default for a given model) the classifier detector gives no data-leak finding', () => {
    const d = new ClassifierDetector({ model: flat(0.01), order: null, semantic: null, category: null });
    assert.equal(leakOf(d.detect(input(RECORDS))), undefined);
  });
});
