// `--encoder` of the detection benches (security-eval.mjs, security-benign-sweep.mjs): the engine options that add the
// pretrained sentence encoder behind the n-gram classifier, with one encoder loaded once and shared by every engine
// the bench makes, and no rate cap (a bench judges every window the gate lets through).
export async function encoderEngineOptions(security, args) {
  if (!args.includes('--encoder')) return {};
  const enc = await security.loadSentenceEncoder();
  return { encoder: true, encoderRate: 1e9, sentenceEncoder: async () => enc };
}
