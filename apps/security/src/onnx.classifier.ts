/**
 * Local ONNX classifier (--security-model-path DIR): a sequence
 * classification model exported to ONNX (DeBERTa-v3 prompt-injection
 * models, Llama Prompt Guard), run on the CPU by ONNX Runtime's WebAssembly
 * build (`onnxruntime-web`), which installs from the npm registry alone;
 * `onnxruntime-node` fetches native libraries from elsewhere at install.
 *
 * DIR holds what `optimum-cli export onnx` or the model's own `onnx/`
 * folder provides: model.onnx (or model_quantized.onnx, or either under
 * onnx/), tokenizer.json (Unigram, see unigram-tokenizer.ts) and
 * config.json (id2label names the outputs; without it they are LABEL_0..n).
 * Texts longer than the model's window are cut by the tokenizer; the model
 * detector already splits long texts into windows.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { ModelLoadError } from './errors';
import type { LabelScore } from './hf-client';
import type { TextClassifier } from './detectors/model.detector';
import { UnigramTokenizer } from './unigram-tokenizer';

const MODEL_FILES = ['model.onnx', 'onnx/model.onnx', 'model_quantized.onnx', 'onnx/model_quantized.onnx'];

export interface OnnxClassifierOptions {
  /** Token window (default: the model's max_position_embeddings, at most 512). */
  maxLength?: number;
  /** WebAssembly threads for one inference (default 1: the stage has its own work to do). */
  threads?: number;
}

type Ort = typeof import('onnxruntime-web');

export class OnnxClassifier implements TextClassifier {
  private ort?: Ort;
  private session?: InferenceSession;
  private tokenizer?: UnigramTokenizer;
  private labels: string[] = [];
  private outputName = 'logits';
  private inputs = new Set<string>();
  /** One inference at a time: a session is not meant to run concurrently. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly modelPath: string,
    private readonly opts: OnnxClassifierOptions = {},
  ) {}

  async init(): Promise<void> {
    let st;
    try {
      st = await stat(this.modelPath);
    } catch (err) {
      throw new ModelLoadError(this.modelPath, 'no such directory', { cause: err });
    }
    if (!st.isDirectory()) throw new ModelLoadError(this.modelPath, 'not a directory (expected a folder with model.onnx and tokenizer.json)');
    const modelFile = await firstExisting(this.modelPath, MODEL_FILES);
    if (!modelFile) throw new ModelLoadError(this.modelPath, `no ONNX model in it (looked for ${MODEL_FILES.join(', ')})`);
    if (!(await firstExisting(this.modelPath, ['tokenizer.json']))) throw new ModelLoadError(this.modelPath, 'tokenizer.json is missing');

    const config = await this.readConfig();
    const positions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 512;
    const maxLength = this.opts.maxLength ?? Math.min(512, positions);
    try {
      const json: unknown = JSON.parse(await readFile(join(this.modelPath, 'tokenizer.json'), 'utf8'));
      this.tokenizer = UnigramTokenizer.fromJson(json, maxLength);
    } catch (err) {
      throw new ModelLoadError(this.modelPath, (err as Error).message, { cause: err });
    }

    try {
      // A real dynamic import keeps the WebAssembly runtime out of processes that never use it.
      this.ort = await import('onnxruntime-web');
      this.ort.env.wasm.numThreads = this.opts.threads ?? 1;
      this.ort.env.logLevel = 'error';
      const bytes = new Uint8Array(await readFile(join(this.modelPath, modelFile)));
      this.session = await this.ort.InferenceSession.create(bytes);
    } catch (err) {
      // The runtime sometimes throws a bare number (a WebAssembly exception pointer).
      const detail = err instanceof Error ? err.message : `ONNX Runtime error ${String(err)}`;
      throw new ModelLoadError(this.modelPath, `${modelFile} could not be loaded: ${detail}`, { cause: err });
    }
    this.inputs = new Set(this.session.inputNames);
    if (!this.inputs.has('input_ids')) {
      throw new ModelLoadError(this.modelPath, `${modelFile} has no input_ids input (inputs: ${this.session.inputNames.join(', ')})`);
    }
    this.outputName = this.session.outputNames.includes('logits') ? 'logits' : this.session.outputNames[0]!;
    const id2label = (config.id2label ?? {}) as Record<string, string>;
    this.labels = Object.entries(id2label)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, name]) => name);
  }

  private async readConfig(): Promise<Record<string, unknown>> {
    let text: string;
    try {
      text = await readFile(join(this.modelPath, 'config.json'), 'utf8');
    } catch {
      return {};
    }
    try {
      const v: unknown = JSON.parse(text);
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    } catch (err) {
      throw new ModelLoadError(this.modelPath, `config.json is not JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Label probabilities of one text (softmax of the logits). */
  classify(text: string): Promise<LabelScore[]> {
    const run = this.queue.then(() => this.infer(text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async infer(text: string): Promise<LabelScore[]> {
    const { ort, session, tokenizer } = this;
    if (!ort || !session || !tokenizer) throw new ModelLoadError(this.modelPath, 'the ONNX classifier was not initialised');
    const enc = tokenizer.encode(text);
    const n = enc.ids.length;
    const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, n]);
    const feeds: Record<string, Tensor> = { input_ids: int64(enc.ids) };
    if (this.inputs.has('attention_mask')) feeds.attention_mask = int64(enc.attentionMask);
    if (this.inputs.has('token_type_ids')) feeds.token_type_ids = int64(enc.ids.map(() => 0));
    let out;
    try {
      out = await session.run(feeds);
    } catch (err) {
      throw new ModelLoadError(this.modelPath, `inference failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const logits = Array.from(out[this.outputName]!.data as Float32Array, Number);
    const max = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return exp.map((e, i) => ({ label: this.labels[i] ?? `LABEL_${i}`, score: e / sum }));
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session?.release();
    this.session = undefined;
  }
}

async function firstExisting(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const n of names) {
    try {
      if ((await stat(join(dir, n))).isFile()) return n;
    } catch {
      // try the next layout
    }
  }
  return undefined;
}
