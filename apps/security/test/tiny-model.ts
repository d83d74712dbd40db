/**
 * A model directory made here, since no real classifier can be downloaded in
 * CI: a Unigram tokenizer.json, a config.json with SAFE / INJECTION labels,
 * and a model.onnx written with protobufjs from the ONNX schema (the subset
 * of onnx.proto it needs, field numbers as in the ONNX specification).
 *
 * The graph is a bag-of-tokens classifier with the same inputs and output as
 * an exported DeBERTa: input_ids and attention_mask (int64 [1, n]) → logits
 * (float [1, 2]). Each token has an embedding of two logits; masked, then the
 * maximum over the sequence. Tokens of "ignore", "previous", "instructions",
 * "exfiltrate" push INJECTION to 6, every other token gives SAFE 1, so a text
 * with one of them scores INJECTION ≈ 0.99 and one without ≈ 0.27.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';

const ONNX_SUBSET = `
syntax = "proto3";
package onnx;
message AttributeProto { string name = 1; float f = 2; int64 i = 3; repeated int64 ints = 8; int32 type = 20; }
message TensorShapeProto { message Dimension { int64 dim_value = 1; string dim_param = 2; } repeated Dimension dim = 1; }
message TypeProto { message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; } Tensor tensor_type = 1; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; repeated float float_data = 4; repeated int64 int64_data = 7; string name = 8; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
`;

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export const TRIGGERS = ['▁ignore', '▁previous', '▁instructions', '▁exfiltrate'];

/** [piece, score]: specials, then words, then single characters as the fallback. */
export function tinyVocab(): Array<[string, number]> {
  const vocab: Array<[string, number]> = [['[PAD]', 0], ['[CLS]', 0], ['[SEP]', 0], ['[UNK]', 0]];
  const words = [...TRIGGERS, '▁the', '▁weather', '▁is', '▁nice', '▁today', '▁please', '▁all', '▁and', '▁tell', '▁me', '▁ig', 'nore', '▁', '▁data'];
  for (const w of words) vocab.push([w, w === '▁ig' || w === 'nore' ? -4 : -2]);
  for (const ch of 'abcdefghijklmnopqrstuvwxyz.,!?') vocab.push([ch, -6]);
  return vocab;
}

export function tinyTokenizerJson(): object {
  const vocab = tinyVocab();
  return {
    version: '1.0',
    added_tokens: vocab.slice(0, 4).map(([content], id) => ({ id, content, special: true })),
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'Strip', strip_left: true, strip_right: true }, { type: 'Precompiled', precompiled_charsmap: '' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }],
    },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] } },
    },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
}

export function tinyOnnxModel(): Uint8Array {
  const root = protobuf.parse(ONNX_SUBSET, { keepCase: true }).root;
  const Model = root.lookupType('onnx.ModelProto');
  const vocab = tinyVocab();
  const embedding: number[] = [];
  for (const [piece] of vocab) embedding.push(...(TRIGGERS.includes(piece) ? [0, 6] : [1, 0]));
  const tensorType = (elem: number, dims: Array<number | string>) => ({
    tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } },
  });
  const model = Model.create({
    ir_version: 8,
    producer_name: 'mcpspy-tests',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny-classifier',
      initializer: [
        { name: 'embedding', dims: [vocab.length, 2], data_type: FLOAT, float_data: embedding },
        { name: 'last_axis', dims: [1], data_type: INT64, int64_data: [-1] },
      ],
      node: [
        { name: 'gather', op_type: 'Gather', input: ['embedding', 'input_ids'], output: ['emb'], attribute: [{ name: 'axis', i: 0, type: ATTR_INT }] },
        { name: 'cast', op_type: 'Cast', input: ['attention_mask'], output: ['mask_f'], attribute: [{ name: 'to', i: FLOAT, type: ATTR_INT }] },
        { name: 'unsqueeze', op_type: 'Unsqueeze', input: ['mask_f', 'last_axis'], output: ['mask3'] },
        { name: 'mul', op_type: 'Mul', input: ['emb', 'mask3'], output: ['masked'] },
        { name: 'max', op_type: 'ReduceMax', input: ['masked'], output: ['logits'], attribute: [{ name: 'axes', ints: [1], type: ATTR_INTS }, { name: 'keepdims', i: 0, type: ATTR_INT }] },
      ],
      input: [
        { name: 'input_ids', type: tensorType(INT64, [1, 'sequence']) },
        { name: 'attention_mask', type: tensorType(INT64, [1, 'sequence']) },
      ],
      output: [{ name: 'logits', type: tensorType(FLOAT, [1, 2]) }],
    },
  });
  return Model.encode(model).finish();
}

/** Writes the three files into dir (created if needed) and returns it. */
export function writeTinyModel(dir: string, layout: 'flat' | 'onnx-folder' = 'flat'): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, layout === 'flat' ? 'model.onnx' : 'onnx/model.onnx'), tinyOnnxModel());
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'deberta-v2', id2label: { 0: 'SAFE', 1: 'INJECTION' }, max_position_embeddings: 512 }));
  return dir;
}
