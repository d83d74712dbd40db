import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromEnv, parseOtlp } from './config';

test('--otlp / MCPSPY_OTLP: a boolean or an http(s) URL that also turns the export on', () => {
  assert.deepEqual(parseOtlp('--otlp', 'true'), { otlp: true });
  assert.deepEqual(parseOtlp('--otlp', 'off'), { otlp: false });
  assert.deepEqual(parseOtlp('--otlp', 'http://127.0.0.1:4318'), { otlp: true, otlpEndpoint: 'http://127.0.0.1:4318' });
  assert.deepEqual(parseOtlp('--otlp', 'https://otel.example/'), { otlp: true, otlpEndpoint: 'https://otel.example/' });
  assert.throws(() => parseOtlp('--otlp', 'grpc://collector:4317'), /invalid value for --otlp: "grpc:\/\/collector:4317" \(expected true, false or an http\(s\) URL/);
  assert.throws(() => parseOtlp('MCPSPY_OTLP', 'maybe'), /invalid value for MCPSPY_OTLP/);
  assert.deepEqual([configFromEnv({ MCPSPY_OTLP: 'http://c:4318' }).otlp, configFromEnv({ MCPSPY_OTLP: 'http://c:4318' }).otlpEndpoint], [true, 'http://c:4318']);
  assert.equal(configFromEnv({}).otlp, undefined);
});
