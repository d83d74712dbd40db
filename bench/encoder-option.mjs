// `--encoder` of the detection benches (security-eval.mjs, security-benign-sweep.mjs): the engine options that add the
// pretrained sentence encoder behind the n-gram classifier, with one encoder loaded once and shared by every engine
// the bench makes, and no rate cap (a bench judges every window the gate lets through). `--encoder-role second`: the
// encoder as a second opinion that only damps alerts resting on one soft signal (default: replace, round 10).
export async function encoderEngineOptions(security, args) {
  if (!args.includes('--encoder')) return {};
  const i = args.indexOf('--encoder-role');
  const role = i >= 0 ? args[i + 1] : 'replace';
  const enc = await security.loadSentenceEncoder();
  return { encoder: true, encoderRate: 1e9, encoderRole: role, sentenceEncoder: async () => enc };
}
