// What the judge benchmark page (judge.html) takes and returns: one RAIL judgment — a prompt, a
// CoT of exactly `cotTokens` greedy tokens (no stop, so every engine does the same work), then the
// read-out forward of prompt + CoT + " So the overall score is " and the RAIL ŷ — timed on our
// WGSL engine (`ours`) and on onnxruntime-web (`ort`) with the same weights, in fresh tabs.

export interface JudgeBenchArgs {
  /** A tract checkpoint (.safetensors), base64: the same weights for every engine. */
  checkpoint: string;
  /** Prompt token ids, BOS first. */
  prompt: number[];
  cotTokens: number;
  /** Ids of the read-out suffix " So the overall score is ". */
  suffix: number[];
  /** Ids of "1".."5". */
  scoreIds: number[];
  /** Timed judgments after one untimed one. */
  reps: number;
  /** Ours only: run the earlier path (training's forward per token, logits read back and sampled
   *  on the CPU) to compare before/after in one run. */
  earlier?: boolean;
  /** Ours only (not with `earlier`): the read-out on the KV cache (default 'cache': only the suffix
   *  runs) or the forward over the whole sequence ('sequence', the path before the cache read-out). */
  readout?: 'cache' | 'sequence';
  /** ORT's execution provider (ort only; default wasm). */
  executionProvider?: 'wasm' | 'webgpu';
}

export interface JudgeBenchResult {
  engine: string;
  /** What ran it: "webgpu (WGSL)", "onnxruntime-web wasm", … */
  backend: string;
  adapter: string;
  /** Median wall time of one judgment (CoT generation + read-out). */
  ms: number;
  runs: number[];
  /** The untimed first judgment (pipeline compilation, ORT's first run). */
  firstMs: number;
  /** Prefill (to the first CoT token), per decoded token, and read-out, of the median run. */
  phases: { prefillMs: number; decodeMsPerToken: number; readoutMs: number };
  /** Model upload / session creation (and, for ORT, the ONNX export in the page). */
  loadMs: number;
  promptTokens: number;
  cotTokens: number;
  readoutTokens: number;
  /** The judgment itself: both engines should agree. */
  yhat: number;
  cot: number[];
  /** Ours: dispatches per decoded token, GPU → CPU readbacks and submits per judgment. */
  counts?: { dispatchesPerDecodedToken: number; readbacksPerJudgment: number; submitsPerJudgment: number };
  notes: string[];
}
