/**
 * `mcpspy scan`: the security analysis after the fact, over the JSONL the
 * monitor wrote. Inputs are the replay goldens in apps/cli/testdata, which
 * were recorded from real MCP peers (the malicious server for `evil`).
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MCPSPY_BIN, REPO_ROOT, Run, runMcpspy } from './cli';

const ROOT = REPO_ROOT;
const BIN = MCPSPY_BIN;
const TESTDATA = join(ROOT, 'apps', 'cli', 'testdata');

const mcpspy = (args: string[], stdin?: string, timeoutMs?: number): Promise<Run> => runMcpspy(args, { stdin, timeoutMs });

const scratch = mkdtempSync(join(tmpdir(), 'mcpspy-scan-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Three tests compare with the plain scan of evil.jsonl: run it once.
let evilScan: Promise<Run> | undefined;
function scanEvil(): Promise<Run> {
  evilScan ??= mcpspy(['scan', join(TESTDATA, 'evil.jsonl')]);
  return evilScan;
}

interface Alert {
  type: string;
  timestamp?: string;
  category: string;
  risk: string;
  score: number;
  evidence: { rule: string; field: string }[];
  message: { msg_id: string; id: number; method: string; type: string };
}

/** The alert lines of a run; every stdout line must be one. The detection time is the only unstable field. */
function alertsOf(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const a = JSON.parse(l) as Alert;
      assert.equal(a.type, 'security_alert', `stdout holds only alert lines: ${l.slice(0, 200)}`);
      delete a.timestamp;
      return JSON.stringify(a);
    })
    .sort();
}

function testdata(name: string): string {
  return join(TESTDATA, name);
}

function summary(stderr: string): { messages: number; alerts: number; invalid: number } {
  const m = /mcpspy: scanned (\d+) messages: (\d+) alerts, (\d+) invalid lines/.exec(stderr);
  assert.ok(m, `a summary on stderr: ${stderr}`);
  return { messages: Number(m[1]), alerts: Number(m[2]), invalid: Number(m[3]) };
}

describe('mcpspy scan', () => {
  test('the malicious-server JSONL: alert lines for the poisoned tool and the injected result, exit 1', async () => {
    const r = await scanEvil();
    assert.equal(r.code, 1, r.stderr);
    const alerts = alertsOf(r.stdout).map((a) => JSON.parse(a) as Alert);
    assert.deepEqual(summary(r.stderr), { messages: 9, alerts: alerts.length, invalid: 0 });
    const byCategory = new Map(alerts.map((a) => [a.category, a]));
    assert.deepEqual([...byCategory.keys()].sort(), ['exfiltration', 'jailbreak', 'prompt_injection', 'tool_poisoning']);
    const poisoning = byCategory.get('tool_poisoning')!;
    assert.equal(poisoning.message.method, 'tools/list');
    assert.equal(poisoning.message.type, 'response');
    assert.ok(poisoning.evidence.some((e) => e.field === 'result.tools[0].description' && e.rule === 'hidden_tag'));
    const injection = byCategory.get('prompt_injection')!;
    assert.equal(injection.message.method, 'tools/call');
    assert.ok(injection.evidence.some((e) => e.rule === 'override_instructions'));
    // Each alert names the line it concerns by that line's msg_id.
    const lines = readFileSync(testdata('evil.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg_id: string; id?: number; type: string });
    for (const a of alerts) {
      const line = lines.find((l) => l.msg_id === a.message.msg_id);
      assert.ok(line, `alert ${a.category} points at a message of the file`);
      assert.equal(line.id, a.message.id);
      assert.equal(line.type, a.message.type);
    }
  });

  test('after the fact, the same alerts as the live pipeline raises (alert lines in the input are skipped)', async () => {
    // A fresh `replay --security` rather than the stored golden, so both sides run today's rules.
    const file = join(scratch, 'evil.security.jsonl');
    const live = await mcpspy(['replay', join(TESTDATA, 'evil.mcpspy'), '-o', file, '--tui=false', '-q', '--security']);
    assert.equal(live.code, 0, live.stderr);
    const liveAlerts = alertsOf(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"security_alert"'))
        .join('\n'),
    );
    assert.equal(liveAlerts.length, 4);
    const r = await mcpspy(['scan', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(alertsOf(r.stdout), liveAlerts);
    assert.deepEqual(summary(r.stderr), { messages: 9, alerts: 4, invalid: 0 });
  });

  for (const name of ['stdio', 'http', 'https', 'sse']) {
    test(`benign traffic (${name}.jsonl): no alert line, exit 0`, async () => {
      const file = testdata(`${name}.jsonl`);
      const messages = readFileSync(file, 'utf8').trim().split('\n').length;
      const r = await mcpspy(['scan', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(summary(r.stderr), { messages, alerts: 0, invalid: 0 });
    });
  }

  test('reads standard input with - and with no file argument', async () => {
    const text = readFileSync(testdata('evil.jsonl'), 'utf8');
    const fromFile = alertsOf((await scanEvil()).stdout);
    assert.equal(fromFile.length, 4);
    const dash = await mcpspy(['scan', '-'], text);
    assert.equal(dash.code, 1, dash.stderr);
    assert.deepEqual(alertsOf(dash.stdout), fromFile);
    const bare = await mcpspy(['scan'], text);
    assert.equal(bare.code, 1, bare.stderr);
    assert.deepEqual(alertsOf(bare.stdout), fromFile);
    const benign = await mcpspy(['scan', '-'], readFileSync(testdata('stdio.jsonl'), 'utf8'));
    assert.equal(benign.code, 0, benign.stderr);
    assert.equal(benign.stdout, '');
  });

  test('bad lines are counted in the summary and the scan goes on past them', async () => {
    const lines = readFileSync(testdata('evil.jsonl'), 'utf8').trim().split('\n');
    const bad = [
      'this is not JSON',
      lines[4].slice(0, lines[4].length / 2), // a line cut in half
      '[1,2,3]',
      '{"type":"banana","id":1}',
      '"a string"',
    ];
    // Garbage first, between, and after the messages that raise alerts.
    const mixed = [bad[0], ...lines.slice(0, 3), bad[1], bad[2], ...lines.slice(3, 7), bad[3], ...lines.slice(7), bad[4], ''].join('\n');
    const file = join(scratch, 'mixed.jsonl');
    writeFileSync(file, mixed);
    const r = await mcpspy(['scan', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(summary(r.stderr), { messages: 9, alerts: 4, invalid: bad.length });
    const clean = await scanEvil();
    assert.deepEqual(alertsOf(r.stdout), alertsOf(clean.stdout));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('an empty input is a clean scan of nothing', async () => {
    const r = await mcpspy(['scan', '-'], '');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(summary(r.stderr), { messages: 0, alerts: 0, invalid: 0 });
  });

  test('a file that does not exist is a one-line usage error', async () => {
    const r = await mcpspy(['scan', join(scratch, 'missing.jsonl')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^mcpspy: failed to open .*missing\.jsonl: /);
  });

  test('a reader that stops early (| head) ends the scan quietly: exit 0, nothing on stderr but the progress', async () => {
    // 3,000 copies of the injected tool result of evil.jsonl: far more alert lines than one pipe buffer.
    const injected = readFileSync(join(TESTDATA, 'evil.jsonl'), 'utf8').split('\n').find((l) => l.includes('Ignore all previous instructions'))!;
    const big = join(scratch, 'many.jsonl');
    writeFileSync(big, `${injected}\n`.repeat(3000));
    const child = spawn(process.execPath, [BIN, 'scan', big], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const first = await new Promise<string>((r) => child.stdout.once('data', (d: Buffer) => r(d.toString())));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.once('close', r));
    assert.match(first, /^\{"type":"security_alert"/);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error|at /, stderr);
  });

  test('a model directory without a model is one line naming the directory, exit 1 (no stack)', async () => {
    const r = await mcpspy(['scan', '-', '--security-model-path', scratch], '');
    assert.equal(r.code, 1);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    assert.deepEqual(lines, [`mcpspy: failed to load security model from ${scratch}: no ONNX model in it (looked for model.onnx, onnx/model.onnx, model_quantized.onnx, onnx/model_quantized.onnx)`]);
  });

  test('a 600 MB line is skipped and counted, not a crash; bad input without alerts exits 3', async () => {
    const lines = readFileSync(testdata('evil.jsonl'), 'utf8').trim().split('\n');
    const benign = lines.filter((l) => !/Ignore|IMPORTANT|AKIA|id_rsa|ssh|BEGIN|password|eyJ/i.test(l)).slice(0, 2);
    const child = spawn(process.execPath, [BIN, 'scan', '-'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.once('close', r));
    const write = (b: Buffer | string) => (child.stdin.write(b) ? Promise.resolve() : new Promise<void>((r) => child.stdin.once('drain', () => r())));
    await write(benign.join('\n') + '\n{"type":"response","result":"');
    const MB = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 600; i++) await write(MB);
    await write('"}\n' + benign.join('\n') + '\n');
    child.stdin.end();
    const code = await closed;
    assert.equal(stdout, '');
    assert.match(stderr, /lines over 64 MiB skipped/);
    assert.deepEqual(summary(stderr), { messages: benign.length * 2, alerts: 0, invalid: 0 });
    assert.equal(code, 3, stderr);
    // With alerts as well, alerts decide the code.
    const mixed = await mcpspy(['scan', '-'], `${readFileSync(testdata('evil.jsonl'), 'utf8')}not json\n`);
    assert.equal(mixed.code, 1, mixed.stderr);
    const bad = await mcpspy(['scan', '-'], `${benign.join('\n')}\nnot json\n`);
    assert.equal(bad.code, 3, bad.stderr);
  });
});

describe('mcpspy scan --security-encoder', () => {
  test('the sentence encoder judges through the real entry point: same alert categories on evil.jsonl, the injection now weighed by the encoder', async () => {
    const [plain, withEncoder] = await Promise.all([scanEvil(), mcpspy(['scan', testdata('evil.jsonl'), '--security-encoder'], undefined, 120_000)]);
    assert.equal(withEncoder.code, plain.code, withEncoder.stderr);
    const cats = (r: Run) => r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Alert).category).sort();
    assert.deepEqual(cats(withEncoder), cats(plain));
    const injection = withEncoder.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert & { summary: string; details?: { detectors?: string[] } }).find((a) => a.category === 'prompt_injection');
    assert.ok(injection, 'the injection is reported');
    assert.match(injection.summary, /sentence encoder p=/);
    assert.ok(injection.details?.detectors?.includes('encoder'), JSON.stringify(injection.details));
    assert.ok(!injection.details?.detectors?.includes('classifier'), 'the encoder finding replaces the classifier one');
  });
});
