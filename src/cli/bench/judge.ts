// `tract bench judge`: one RAIL judgment — a ~200-token prompt, a 64-token greedy CoT (forced: no
// stop, so both engines do the same work), then the read-out forward and ŷ — on the same model in
// one headless Chromium run: our WGSL engine vs onnxruntime-web (wasm, the no-WebGPU fallback; and
// its webgpu execution provider when the page has WebGPU). Each engine runs in a fresh tab: one
// untimed judgment, then TRACT_BENCH_REPS (default 3) timed ones (ORT webgpu: 1); medians are reported.
// ratio = ortMs / oursMs (how many times faster ours is than ORT's wasm backend).
// The model: stories260K from ../shared (a real Llama, 512 positions), or TRACT_BENCH_CHECKPOINT
// (any model tract loads whose seqLen fits the judgment, with its tokenizer).
// A second line measures the same in this Node process (ours on Dawn's adapter, lavapipe on a
// CPU-only machine; ORT's wasm backend in Node) unless TRACT_BENCH_NODE=0; TRACT_BENCH_BROWSER=0
// measures only that one (a machine without Chromium: the GPU check). In Node the two engines are
// also timed in alternation, one judgment each per round (TRACT_BENCH_ROUNDS, default 7): the ratio
// of those medians is the one the box's drift within a run cannot tilt.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateRubricLab, renderPrompt, SCORE_PROMPT_SUFFIX } from '../../data/index.ts';
import { saveCheckpoint } from '../../model/checkpoint.ts';
import { adapterName, requestGpu } from '../../gpu/index.ts';
import { useKeptTuning } from '../tuning_store.ts';
import { Generator } from '../../infer/generate.ts';
import { DeviceModel } from '../../model/device_model.ts';
import { configureOrt, exportOnnx, OrtGenerator, OrtLlama } from '../../interop/index.ts';
import { timeInterleaved, timeJudgments, type JudgeCounts, type JudgeTiming } from './judge_run.ts';
import { cacheReadOut } from './judge_run_ours.ts';
import { repoRoot } from '../../../scripts/vulkan-env.mjs';
import { loadModelFile, tokenizerForModel } from '../files.ts';
import { openBenchSession } from './browser_bench.ts';
import type { JudgeBenchArgs, JudgeBenchResult } from './pages/judge_types.ts';
import { envPositiveInts } from './env.ts';
import { round } from './timing.ts';

export const JUDGE_PAGE = '/src/cli/bench/pages/judge.html';
const PROMPT_TOKENS = 200;
const COT_TOKENS = 64;

export async function bench(json: boolean): Promise<void> {
  const spec = process.env.TRACT_BENCH_CHECKPOINT ?? join(repoRoot, '..', 'shared', 'models', 'stories260K', 'stories260K.bin');
  if (!existsSync(spec)) throw new Error(`bench judge: no model at ${spec} (set TRACT_BENCH_CHECKPOINT)`);
  const model = await loadModelFile(spec, 'TRACT_BENCH_CHECKPOINT');
  const tok = await tokenizerForModel(model, spec);
  // A Prometheus-template prompt cut to PROMPT_TOKENS (BOS first).
  const lab = generateRubricLab({ seed: 7, train: 8, dev: 1, test: 1 });
  let ids: number[] = [];
  for (const ex of lab.train) {
    ids = [...ids, ...tok.encode(renderPrompt(ex, 'prometheus'), { bos: ids.length === 0 })];
    if (ids.length >= PROMPT_TOKENS) break;
  }
  const prompt = ids.slice(0, PROMPT_TOKENS);
  const suffix = tok.encode(SCORE_PROMPT_SUFFIX);
  const need = prompt.length + COT_TOKENS + suffix.length;
  if (need > model.config.seqLen) throw new Error(`bench judge: the judgment needs ${need} positions; ${spec} has ${model.config.seqLen}`);
  const args: JudgeBenchArgs = {
    checkpoint: Buffer.from(saveCheckpoint({ config: model.config, params: model.params })).toString('base64'),
    prompt,
    cotTokens: COT_TOKENS,
    suffix,
    scoreIds: tok.scoreTokenIds(),
    reps: Number(process.env.TRACT_BENCH_REPS ?? 3),
  };
  const modelName = `${spec.split('/').pop()} (dim ${model.config.dim}, ${model.config.nLayers} layers, vocab ${model.config.vocabSize})`;
  if (process.env.TRACT_BENCH_BROWSER === '0') {
    await benchNode(args, model, modelName, json);
    return;
  }
  const session = await openBenchSession({ pagePath: JUDGE_PAGE });
  const results: JudgeBenchResult[] = [];
  let ortFirst: JudgeBenchResult;
  try {
    // ORT wasm is timed before and after our engine: it runs ~20% slower after our engine has run in
    // the browser (measured 605.6 ms before, 725.1 after), so the ratio is taken against the faster.
    ortFirst = await session.call<JudgeBenchResult>('ort', { ...args, executionProvider: 'wasm' }, 10 * 60_000);
    results.push(await session.call<JudgeBenchResult>('ours', args, 10 * 60_000));
    results.push(await session.call<JudgeBenchResult>('ort', { ...args, executionProvider: 'wasm' }, 10 * 60_000));
    // Before issue 12's GPU sampling and fused decode, and before the read-out on the KV cache, in the same run.
    results.push(await session.call<JudgeBenchResult>('ours', { ...args, earlier: true }, 10 * 60_000));
    results.push(await session.call<JudgeBenchResult>('ours', { ...args, readout: 'sequence' }, 10 * 60_000));
    try {
      // ORT's webgpu provider is ~10× slower than its wasm one on SwiftShader: one timed run.
      results.push(await session.call<JudgeBenchResult>('ort', { ...args, executionProvider: 'webgpu', reps: Math.min(args.reps, 1) }, 10 * 60_000));
    } catch (e) {
      process.stderr.write(`ort webgpu: not measured (${(e as Error).message.split('\n')[0]})\n`);
    }
  } finally {
    await session.close();
  }
  const [ours, ortAfter, earlier, seqReadout, webgpu] = results;
  const wasm = ortFirst.ms <= ortAfter.ms ? ortFirst : ortAfter;
  const line = {
    adapter: session.adapter,
    model: modelName,
    promptTokens: prompt.length,
    cotTokens: COT_TOKENS,
    readoutTokens: need,
    oursMs: round(ours.ms, 1),
    ortMs: round(wasm.ms, 1),
    ortBeforeMs: round(ortFirst.ms, 1),
    ortAfterMs: round(ortAfter.ms, 1),
    ratio: round(wasm.ms / ours.ms, 2),
    oursEarlierMs: round(earlier.ms, 1),
    earlierRatio: round(wasm.ms / earlier.ms, 2),
    oursSeqReadoutMs: round(seqReadout.ms, 1),
    seqReadoutRatio: round(wasm.ms / seqReadout.ms, 2),
    counts: Object.fromEntries(results.filter((r) => r.counts).map((r) => [r.engine, r.counts])),
    ortWebgpuMs: webgpu ? round(webgpu.ms, 1) : null,
    ortWebgpuRatio: webgpu ? round(webgpu.ms / ours.ms, 2) : null,
    phasesMs: Object.fromEntries(results.map((r) => [r.engine, roundAll(r.phases)])),
    firstMs: Object.fromEntries(results.map((r) => [r.engine, round(r.firstMs, 0)])),
    loadMs: Object.fromEntries(results.map((r) => [r.engine, round(r.loadMs, 0)])),
    runsMs: Object.fromEntries(results.map((r) => [r.engine, r.runs.map((x) => round(x, 0))])),
    yhat: Object.fromEntries(results.map((r) => [r.engine, round(r.yhat, 4)])),
    sameCot: [ortFirst, ...results].every((r) => r.cot.join() === ours.cot.join()),
    notes: results.flatMap((r) => r.notes.map((n) => `${r.engine}: ${n}`)),
  };
  if (json) console.log(JSON.stringify(line));
  else {
    for (const r of [{ ...ortFirst, engine: 'ort (first)' }, ...results]) console.log(`${r.engine.padEnd(12)} ${round(r.ms, 1)} ms per judgment (median of ${r.runs.length}; first ${round(r.firstMs, 0)} ms, load ${round(r.loadMs, 0)} ms)  ŷ ${r.yhat.toFixed(3)}${countsText(r.counts)}  [${r.backend}; ${r.adapter}]`);
    console.log(`judge ${line.model}: ${prompt.length}-token prompt + ${COT_TOKENS}-token CoT + read-out: ours ${line.oursMs} ms (whole-sequence read-out ${line.oursSeqReadoutMs} ms, earlier path ${line.oursEarlierMs} ms), onnxruntime-web wasm ${line.ortMs} ms (the faster of ${line.ortBeforeMs} before ours and ${line.ortAfterMs} after): ours/ort speed-up ${line.ratio}× (whole-sequence read-out ${line.seqReadoutRatio}×, earlier ${line.earlierRatio}×)${webgpu ? `; ORT webgpu ${line.ortWebgpuMs} ms (${line.ortWebgpuRatio}×)` : ''}  [${session.adapter}]`);
  }
  if (process.env.TRACT_BENCH_NODE !== '0') await benchNode(args, model, line.model, json);
}

const countsText = (c?: JudgeCounts) =>
  c ? `  ${round(c.dispatchesPerDecodedToken, 1)} dispatches/decoded token, ${round(c.readbacksPerJudgment, 1)} readbacks and ${round(c.submitsPerJudgment, 1)} submits per judgment` : '';

const roundAll = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 1)]));

/** The same judgment in this process: ours on Dawn, ORT wasm in Node. */
async function benchNode(args: JudgeBenchArgs, model: Awaited<ReturnType<typeof loadModelFile>>, name: string, json: boolean): Promise<void> {
  const Tmax = Math.min(model.config.seqLen, args.prompt.length + args.cotTokens + args.suffix.length + 1);
  // Rounds of the comparison in alternation (TRACT_BENCH_ROUNDS, a positive integer).
  const rounds = envPositiveInts('TRACT_BENCH_ROUNDS', [7])[0];
  // ORT wasm is timed before our engine and after it, as in the browser; the faster counts.
  const ort = await configureOrt({});
  const session = await OrtLlama.create(exportOnnx({ config: model.config, params: model.params }, { variant: 'kv' }), { executionProviders: ['wasm'] });
  const theirsBefore = await timeJudgments(new OrtGenerator(session, 1, Tmax), args);
  const gpu = await requestGpu();
  await useKeptTuning(gpu); // the kernels `tract judge` runs: those a run or `info --tune` measured
  const dm = new DeviceModel(gpu, model.config);
  dm.upload(model.params);
  const gen = new Generator(dm, 1, Tmax);
  const old = new Generator(dm, 1, Tmax, { sampler: 'cpu', decode: 'unfused' });
  const onCache = cacheReadOut(gen, args.scoreIds);
  let ours: JudgeTiming;
  let seqReadout: JudgeTiming;
  let earlier: JudgeTiming;
  let alternated: { ms: number; runs: number[] }[];
  try {
    ours = await timeJudgments(gen, args, onCache.readOut);
    seqReadout = await timeJudgments(gen, args); // the read-out forward over the whole sequence
    earlier = await timeJudgments(old, args); // before issue 12's GPU sampling and fused decode
    // Ours and ORT wasm in alternation, one judgment each per round: the box's drift within the run
    // falls on both alike.
    alternated = await timeInterleaved([{ gen, readOut: onCache.readOut }, { gen: new OrtGenerator(session, 1, Tmax) }], args, rounds);
  } finally {
    onCache.destroy();
    gen.destroy();
    old.destroy();
    dm.destroy();
  }
  const adapter = adapterName(gpu.adapter);
  gpu.destroy();
  const theirsAfter = await timeJudgments(new OrtGenerator(session, 1, Tmax), args);
  await session.release();
  const theirs = theirsBefore.ms <= theirsAfter.ms ? theirsBefore : theirsAfter;
  const line = {
    where: 'node',
    adapter,
    model: name,
    promptTokens: args.prompt.length,
    cotTokens: args.cotTokens,
    oursMs: round(ours.ms, 1),
    ortMs: round(theirs.ms, 1),
    ortBeforeMs: round(theirsBefore.ms, 1),
    ortAfterMs: round(theirsAfter.ms, 1),
    ratio: round(theirs.ms / ours.ms, 2),
    oursEarlierMs: round(earlier.ms, 1),
    earlierRatio: round(theirs.ms / earlier.ms, 2),
    oursSeqReadoutMs: round(seqReadout.ms, 1),
    seqReadoutRatio: round(theirs.ms / seqReadout.ms, 2),
    counts: { ours: ours.counts, 'ours-seq-readout': seqReadout.counts, 'ours-earlier': earlier.counts },
    ortThreads: ort.env.wasm.numThreads ?? 0,
    phasesMs: { ours: roundAll(ours.phases), 'ours-seq-readout': roundAll(seqReadout.phases), 'ours-earlier': roundAll(earlier.phases), 'ort-wasm': roundAll(theirs.phases) },
    yhat: { ours: round(ours.yhat, 4), 'ours-seq-readout': round(seqReadout.yhat, 4), 'ours-earlier': round(earlier.yhat, 4), 'ort-wasm': round(theirs.yhat, 4) },
    sameCot: ours.cot.join() === theirs.cot.join() && seqReadout.cot.join() === theirs.cot.join() && earlier.cot.join() === theirs.cot.join(),
    interleaved: {
      rounds,
      oursMs: round(alternated[0].ms, 1),
      ortMs: round(alternated[1].ms, 1),
      ratio: round(alternated[1].ms / alternated[0].ms, 2),
      runsMs: { ours: alternated[0].runs.map((x) => round(x, 0)), 'ort-wasm': alternated[1].runs.map((x) => round(x, 0)) },
    },
  };
  if (json) console.log(JSON.stringify(line));
  else {
    console.log(`judge in Node: ours ${line.oursMs} ms${countsText(ours.counts)} [${adapter}]`);
    console.log(`judge in Node: ours, whole-sequence read-out ${line.oursSeqReadoutMs} ms${countsText(seqReadout.counts)}`);
    console.log(`judge in Node: ours, earlier path ${line.oursEarlierMs} ms${countsText(earlier.counts)}`);
    console.log(`judge in Node: onnxruntime-web wasm ${line.ortMs} ms (${line.ortThreads} threads; the faster of ${line.ortBeforeMs} before ours and ${line.ortAfterMs} after): ours/ort speed-up ${line.ratio}× (whole-sequence read-out ${line.seqReadoutRatio}×, earlier path ${line.earlierRatio}×)`);
    const il = line.interleaved;
    console.log(`judge in Node, the two in alternation (${il.rounds} rounds, one judgment each): ours ${il.oursMs} ms, onnxruntime-web wasm ${il.ortMs} ms (medians): ours/ort speed-up ${il.ratio}×`);
  }
}
