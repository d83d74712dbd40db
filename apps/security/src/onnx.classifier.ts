/**
 * Local ONNX classifier (--security-model-path): deliberately not available
 * in this build. onnxruntime-node's postinstall fetches CUDA provider
 * libraries from NuGet on linux/x64, and @huggingface/transformers depends
 * on onnxruntime-node, so neither installs from the npm registry alone,
 * which is all this project may use. The option is accepted and fails at
 * init with an error that says why, after checking the directory, so a typo
 * in the path is reported as such.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from './errors';
import type { LabelScore } from './hf-client';
import type { TextClassifier } from './detectors/model.detector';

const MODEL_FILES = ['model.onnx', 'onnx/model.onnx', 'model_quantized.onnx', 'onnx/model_quantized.onnx'];

export class OnnxClassifier implements TextClassifier {
  constructor(readonly modelPath: string) {}

  async init(): Promise<void> {
    let st;
    try {
      st = await stat(this.modelPath);
    } catch (err) {
      throw new ModelLoadError(this.modelPath, 'no such directory', { cause: err });
    }
    if (!st.isDirectory()) throw new ModelLoadError(this.modelPath, 'not a directory (expected a folder with model.onnx and tokenizer.json)');
    const found = await firstExisting(this.modelPath, MODEL_FILES);
    if (!found) throw new ModelLoadError(this.modelPath, `no ONNX model in it (looked for ${MODEL_FILES.join(', ')})`);
    if (!(await firstExisting(this.modelPath, ['tokenizer.json']))) throw new ModelLoadError(this.modelPath, 'tokenizer.json is missing');
    throw new ModelLoadError(
      this.modelPath,
      'local ONNX inference is not included in this build (onnxruntime-node downloads native libraries from outside the npm registry at install time); use the offline rules (default) or --hf-token',
    );
  }

  async classify(_text: string): Promise<LabelScore[]> {
    throw new ModelLoadError(this.modelPath, 'the ONNX classifier was not initialised');
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
