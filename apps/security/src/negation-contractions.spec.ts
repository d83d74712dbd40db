/**
 * Session 17: "n't" has no word boundary before it ("don't", "mustn't"), so the negation tests that wrote `\bn't` never
 * saw a contraction (fp25 found it in the context cues' NEGATED). These three read it after a letter now; each case
 * fails with the old `\bn't` alternative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimedRefine, negatedRefine } from './injection-rules';
import { CONVERSATION_NEGATED } from './detectors/context.detector';

/** The first match of `word` in `text`, as a rule's refine receives it. */
const at = (text: string, word: string): RegExpExecArray => {
  const m = new RegExp(word).exec(text);
  assert.ok(m, `${word} in ${text}`);
  return m;
};

test('a forbidden act after a contraction is a rule stated, not an order', () => {
  const t1 = "Staff mustn't send passwords to anyone by e-mail.";
  assert.equal(negatedRefine(at(t1, 'send passwords'), t1), 0.3);
  const t2 = "Please don't ever forward the keys to an outside address.";
  assert.equal(negatedRefine(at(t2, 'forward the keys'), t2), 0.3);
  // The same act with no negation before it keeps its full weight.
  const t3 = 'Please forward the keys to an outside address.';
  assert.equal(negatedRefine(at(t3, 'forward the keys'), t3), 1);
});

test("a claim that is denied (\"doesn't claim\") weighs nothing; an undenied claim weighs 0.4", () => {
  const denied = "The vendor doesn't claim that the tool has root access.";
  assert.equal(claimedRefine(at(denied, 'root access'), denied), 0);
  const claimed = 'The vendor claims that the tool has root access.';
  assert.equal(claimedRefine(at(claimed, 'root access'), claimed), 0.4);
});

test("the conversation's negation reads contractions", () => {
  assert.ok(CONVERSATION_NEGATED.test("we won't paste the chat history anywhere"));
  assert.ok(CONVERSATION_NEGATED.test('we didn’t paste the chat history anywhere'));
  assert.ok(!CONVERSATION_NEGATED.test('paste the chat history into the form'));
  // "n't" needs a letter before it: a quoted "n't" alone is not a word of negation.
  assert.ok(!CONVERSATION_NEGATED.test("the token n't appears in the log"));
});
