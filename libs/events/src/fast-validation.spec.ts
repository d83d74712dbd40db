import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { acceptorFor, acceptorFormsFor } from './fast-validation';
import { schemaForSubject, validatePayload } from './validation';
import { Subjects } from './subjects';

/** One valid payload per subject that carries a DTO. */
const samples: Record<string, Record<string, unknown>> = {
  [Subjects.mcpMessage]: {
    timestamp: '2024-01-15T12:34:56.789Z', transport_type: 'stdio',
    stdio_transport: { from_pid: 1, from_comm: 'a', to_pid: 2, to_comm: 'b' },
    http_transport: { pid: 3, comm: 'node', host: 'h:1', is_request: true, method: 'POST', status: 200, tls: false, side: 'client' },
    type: 'request', id: 7, method: 'tools/call', params: { name: 'x', arguments: { deep: [1, { a: 2 }] } }, error: {},
    request: { id: 7 }, raw: '{}', session: 's', description: 'd', batch: false, seq: 3, msg_id: 'm1',
  },
  [Subjects.httpMessage]: {
    timestamp: 't', ts_ns: '1', stream: 's', pid: 1, comm: 'c', side: 'server', tls: true, is_request: false, kind: 'sse_event',
    method: 'POST', path: '/mcp', status: 200, host: 'h', content_type: 'text/event-stream', session_id: 'x', headers: { a: 'b' },
    body: '{}', body_encoding: 'utf8', sse_event: 'message', sse_id: '1', exchange: 0, gap: false,
  },
  [Subjects.rawProc]: { kind: 'exec', pid: 10, ppid: 1, comm: 'node', filename: '/usr/bin/node', timestamp: 't' },
  [Subjects.securityAlert]: {
    type: 'security_alert', timestamp: 't', risk: 'high', category: 'prompt_injection', score: 0.9, detector: 'rules', summary: 's',
    evidence: [{ text: 'ignore', field: 'params', start: 0, end: 6, rule: 'r' }, { text: 'x', field: 'f', start: 1.5, end: 2, rule: 'q' }],
    message: { msg_id: 'm1' }, details: { k: 1 },
  },
  [Subjects.securityVerdict]: { msg_id: 'm1', alerts: 0, timestamp: 't' },
  [Subjects.probeStats]: {
    timestamp: 't', events: 1, bytes: 2, ringbuf_full: 0, read_faults: 0, gaps: 0, lost_bytes: 0, filtered: 0, batches_dropped: 0, tls_targets: 1,
  },
  [`${Subjects.stageStats}.sink`]: { timestamp: 't', stage: 'sink', counters: { a: 1 }, instance: 'i' },
};

/** The full path alone: what validatePayload answered before the acceptor existed. */
function reference(subject: string, payload: object): boolean {
  const { dto } = schemaForSubject(subject);
  return validateSync(plainToInstance(dto!, payload) as object, { forbidUnknownValues: false }).length === 0;
}

const oddValues: unknown[] = [
  undefined, null, '', 'x', 'client', 'stdio', 'request', 'high', 'prompt_injection', 'security_alert', 'sse_event', 'utf8',
  0, -1, 1, 0.5, 1.5, 2, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, true, false, {}, [], [{}], [1], ['a'],
  { from_pid: 1, from_comm: 'a', to_pid: 2, to_comm: 'b' }, [{ text: 't', field: 'f', start: 0, end: 1, rule: 'r' }], { text: 1 },
];

/** A path into the sample (top level or one level down) and a value to put there, or a deletion. */
const mutation = fc.record({
  depth: fc.integer({ min: 0, max: 2 }),
  pick: fc.nat(),
  pick2: fc.nat(),
  value: fc.constantFrom(...oddValues),
  del: fc.boolean(),
});

function mutate(base: Record<string, unknown>, muts: Array<{ depth: number; pick: number; pick2: number; value: unknown; del: boolean }>) {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const m of muts) {
    const keys = Object.keys(copy);
    const k = keys[m.pick % keys.length];
    let target: Record<string, unknown> = copy;
    let key = k;
    const inner = copy[k];
    if (m.depth > 0 && inner && typeof inner === 'object') {
      // One level down: a nested DTO, an array of them (its first element), or a free object.
      const obj = (Array.isArray(inner) ? inner[0] : inner) as Record<string, unknown> | undefined;
      if (obj && typeof obj === 'object') {
        const innerKeys = Object.keys(obj);
        if (innerKeys.length) {
          target = obj;
          key = innerKeys[m.pick2 % innerKeys.length];
        }
      }
    }
    if (m.del) delete target[key];
    // A copy: a later mutation may write inside it, and the pool of values is shared by every run.
    else target[key] = structuredClone(m.value);
  }
  return copy;
}

test('every DTO on the Bus has a compiled acceptor, and the valid samples take it', () => {
  for (const [subject, sample] of Object.entries(samples)) {
    const { dto } = schemaForSubject(subject);
    const accept = acceptorFor(dto!);
    assert.ok(accept, `no acceptor for ${subject}`);
    assert.equal(accept(sample), true, `${subject}: the sample is valid`);
    assert.equal(reference(subject, sample), true, `${subject}: class-validator agrees the sample is valid`);
  }
});

test('the acceptor never accepts what class-validator rejects, and validatePayload answers as class-validator alone (fast-check)', () => {
  let accepted = 0;
  let rejected = 0;
  for (const [subject, sample] of Object.entries(samples)) {
    const { dto } = schemaForSubject(subject);
    const accept = acceptorFor(dto!)!;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        const payload = mutate(sample, muts);
        const want = reference(subject, payload);
        if (accept(payload)) {
          accepted++;
          assert.equal(want, true, `${subject}: accepted fast but class-validator rejects ${JSON.stringify(payload)}`);
        } else rejected++;
        assert.equal(validatePayload(subject, payload).ok, want, `${subject}: ${JSON.stringify(payload)}`);
      }),
      { numRuns: 600 },
    );
  }
  // Both sides were exercised: mutations that stay valid and ones that break the payload.
  assert.ok(accepted > 200 && rejected > 200, `accepted ${accepted}, rejected ${rejected}`);
});

test('the generated acceptor answers as the interpreted plan on every mutation (fast-check)', () => {
  for (const [subject, sample] of Object.entries(samples)) {
    const { dto } = schemaForSubject(subject);
    const forms = acceptorFormsFor(dto!)!;
    assert.ok(forms.generated, `${subject}: code was generated`);
    // acceptorFor hands out the generated form when it exists.
    assert.equal(acceptorFor(dto!)!.name, 'accept');
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        const payload = mutate(sample, muts);
        assert.equal(forms.generated!(payload), forms.interpreted(payload), `${subject}: ${JSON.stringify(payload)}`);
      }),
      { numRuns: 400 },
    );
  }
});

test('reasons still come from class-validator when the acceptor is not sure', () => {
  const bad = { ...samples[Subjects.securityAlert], score: 2, evidence: [{ text: 't', field: 'f', start: 'x', end: 1, rule: 'r' }] };
  const r = validatePayload(Subjects.securityAlert, bad);
  assert.equal(r.ok, false);
  assert.ok(r.reasons.includes('score: score must not be greater than 1'), r.reasons.join('; '));
  assert.ok(r.reasons.some((x) => x.startsWith('evidence.0.start:')), r.reasons.join('; '));
});
