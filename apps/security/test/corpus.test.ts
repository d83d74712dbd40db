/**
 * Regression guard on the labelled corpus: the dev split must keep the
 * offline targets (recall ≥ 0.90, FPR ≤ 2% per category). The held-out split
 * is reported by bench/security-eval.mjs, not asserted, so it stays untuned.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/events';
import { SecurityEngine } from '../src';
import { loadCorpus, messagesOf, scoreResults, SampleResult } from '../src/corpus';

const dir = join(__dirname, '..', '..', 'corpus');

describe('corpus', () => {
  test('has at least 300 samples covering every category, split about 70/30', () => {
    const samples = loadCorpus(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f)));
    assert.ok(samples.length >= 300);
    const labels = new Set(samples.map((s) => s.label));
    for (const c of ['benign', 'prompt_injection', 'jailbreak', 'tool_poisoning', 'rug_pull', 'data_leak', 'exfiltration']) assert.ok(labels.has(c as never), c);
    const holdout = samples.filter((s) => s.split === 'holdout').length / samples.length;
    assert.ok(holdout > 0.2 && holdout < 0.4, String(holdout));
    assert.equal(new Set(samples.map((s) => s.id)).size, samples.length, 'ids are unique');
  });

  test('dev split meets the offline targets', async () => {
    const samples = loadCorpus(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f))).filter((s) => s.split === 'dev');
    const results: SampleResult[] = [];
    for (const sample of samples) {
      const engine = new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 });
      const alerts = [];
      for (const m of messagesOf(sample)) alerts.push(...(await engine.analyze(m)));
      results.push({ sample, alerts });
    }
    const rep = scoreResults(results);
    for (const c of rep.perCategory) {
      assert.ok(c.recall >= 0.9, `${c.category} recall ${c.recall}`);
      assert.ok(c.fpr <= 0.02, `${c.category} FPR ${c.fpr}`);
    }
  });
});
