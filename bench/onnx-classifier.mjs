#!/usr/bin/env node
// How long one window takes through the local ONNX classifier's runtime
// (onnxruntime-web, WebAssembly, CPU) with a transformer-sized workload.
// No real model can be downloaded here, so the graph is synthetic: 12
// layers of the matrix products of a BERT/DeBERTa-base encoder (hidden 768,
// feed-forward 3072: four 768x768 and two 768<->3072 products per layer, with
// shared weights to keep the file small); attention's softmax and the
// embedding lookup are left out, so a real model is somewhat slower still.
// Usage: node bench/onnx-classifier.mjs [--tokens 128,512] [--threads 1] [--runs 3]
// (the runtime fixes its thread count at first use: one count per run)
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(new URL('../apps/security/package.json', import.meta.url));
const protobuf = require('protobufjs');
const ort = require('onnxruntime-web');

const { values } = parseArgs({ options: { tokens: { type: 'string', default: '128,512' }, threads: { type: 'string', default: '1' }, runs: { type: 'string', default: '3' } } });
const tokenCounts = values.tokens.split(',').map(Number);
const threads = Number(values.threads);
const runs = Number(values.runs);

const SCHEMA = `
syntax = "proto3"; package onnx;
message TensorShapeProto { message Dimension { int64 dim_value = 1; string dim_param = 2; } repeated Dimension dim = 1; }
message TypeProto { message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; } Tensor tensor_type = 1; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto { int64 ir_version = 1; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }`;

function weights(name, rows, cols) {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5) * 0.05;
  return { name, dims: [rows, cols], data_type: 1, raw_data: new Uint8Array(data.buffer) };
}

function encoderLike(layers = 12, hidden = 768, ff = 3072) {
  const Model = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const node = [];
  let x = 'x';
  for (let l = 0; l < layers; l++) {
    const q = `q${l}`, k = `k${l}`, v = `v${l}`, o = `o${l}`, s1 = `s1_${l}`, f1 = `f1_${l}`, r1 = `r1_${l}`, f2 = `f2_${l}`, out = `h${l}`;
    node.push({ op_type: 'MatMul', input: [x, 'Wq'], output: [q], name: `mq${l}` });
    node.push({ op_type: 'MatMul', input: [x, 'Wk'], output: [k], name: `mk${l}` });
    node.push({ op_type: 'MatMul', input: [x, 'Wv'], output: [v], name: `mv${l}` });
    node.push({ op_type: 'Add', input: [q, k], output: [`qk${l}`], name: `aqk${l}` });
    node.push({ op_type: 'Add', input: [`qk${l}`, v], output: [`qkv${l}`], name: `aqkv${l}` });
    node.push({ op_type: 'MatMul', input: [`qkv${l}`, 'Wo'], output: [o], name: `mo${l}` });
    node.push({ op_type: 'Add', input: [x, o], output: [s1], name: `res1_${l}` });
    node.push({ op_type: 'MatMul', input: [s1, 'W1'], output: [f1], name: `mf1_${l}` });
    node.push({ op_type: 'Relu', input: [f1], output: [r1], name: `relu${l}` });
    node.push({ op_type: 'MatMul', input: [r1, 'W2'], output: [f2], name: `mf2_${l}` });
    node.push({ op_type: 'Add', input: [s1, f2], output: [out], name: `res2_${l}` });
    x = out;
  }
  node.push({ op_type: 'ReduceMean', input: [x], output: ['pooled'], name: 'pool' });
  const vi = (name, dims) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } });
  return Model.encode(Model.create({
    ir_version: 8, opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'encoder-like', node,
      initializer: [weights('Wq', hidden, hidden), weights('Wk', hidden, hidden), weights('Wv', hidden, hidden), weights('Wo', hidden, hidden), weights('W1', hidden, ff), weights('W2', ff, hidden)],
      input: [vi('x', [1, 'n', hidden])], output: [vi('pooled', [1, 1, 1])],
    },
  })).finish();
}

const model = encoderLike();
console.log(`onnx-classifier: onnxruntime-web (WebAssembly, CPU), synthetic 12-layer encoder (hidden 768, ff 3072), ${runs} runs each, load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('tokens  threads  first run (ms)  median of the rest (ms)  GFLOP/s');
{
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(model);
  for (const n of tokenCounts) {
    const x = new ort.Tensor('float32', new Float32Array(n * 768).fill(0.01), [1, n, 768]);
    const times = [];
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      await session.run({ x });
      times.push(performance.now() - t0);
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    const median = rest[Math.floor(rest.length / 2)];
    const flop = 12 * 2 * n * (4 * 768 * 768 + 2 * 768 * 3072);
    console.log(`${String(n).padStart(6)}  ${String(threads).padStart(7)}  ${times[0].toFixed(0).padStart(14)}  ${median.toFixed(0).padStart(23)}  ${(flop / median / 1e6).toFixed(1).padStart(7)}`);
  }
  await session.release();
}
