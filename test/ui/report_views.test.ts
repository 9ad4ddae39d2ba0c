// The Evaluate and Learn views show what docs/report.md shows for a run's Report, rendered from
// reducer state without a browser: with several seeds, mean ± sd over seeds with every seed's value
// (methods, task families, CoT shift), the orderings' mean over seeds with its paired CI and the
// per-seed differences, the scored split, the prompt-fit rule and cut rate per split, the seed model
// and the deviations; with one seed, each metric's CI; a report made before those fields existed
// (public/judge/report.json today, and a fixture with them removed) renders 'n/a' without throwing.
// Generated text is rendered as text.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { makeConfig } from '../../src/model/config.ts';
import { initialState, type State } from '../../src/ui/state.ts';
import { EvaluateView } from '../../src/ui/views/EvaluateView.tsx';
import { LearnView } from '../../src/ui/views/LearnView.tsx';
import type { EvalData, MethodName, Report, RunMeta } from '../../src/worker/protocol.ts';

const ci = (e: { value: number; lo: number; hi: number }) => `${e.value.toFixed(3)} [${e.lo.toFixed(3)}, ${e.hi.toFixed(3)}]`;
const est = (value: number, lo: number, hi: number) => ({ value, lo, hi });
const metrics = (p: number) => ({ pearson: est(p, p - 0.05, p + 0.05), spearman: est(p - 0.01, p - 0.06, p + 0.04), kendall: est(p - 0.2, p - 0.25, p - 0.15), rmse: est(0.5, 0.45, 0.55) });
const spreadOf = (mean: number, sd: number) => ({ mean, sd, n: 3 });

/** One method over seeds 1, 2, 3: Pearson pearson[i] per seed, and the arithmetic/spelling family values. */
function method(pearson: number[], arithmetic: number[], spelling: number[], mean: number, sd: number, famMean: [number, number], distinct = 5) {
  return {
    perSeed: pearson.map((p, i) => ({ seed: i + 1, metrics: metrics(p), n: 200, distinct, offScaleRate: 0, byFamily: { arithmetic: arithmetic[i], spelling: spelling[i] } })),
    mean: { pearson: spreadOf(mean, sd), spearman: spreadOf(mean - 0.01, sd), kendall: spreadOf(mean - 0.2, sd), rmse: spreadOf(0.5, 0.017) },
    familyMean: { arithmetic: spreadOf(famMean[0], famMean[1]), spelling: spreadOf(0.9, 0.01) },
  };
}

function multiSeedReport(): Report {
  return {
    config: { ...DEFAULT_CONFIG, seeds: [1, 2, 3], eval: { ...DEFAULT_CONFIG.eval, split: 'dev' } },
    seeds: [1, 2, 3],
    data: {
      train: 2000,
      dev: 200,
      test: 500,
      tokenizer: { vocabSize: 1024, name: 'procedural-bpe-1024' },
      truncated: 3,
      dropped: 0,
      referenceCotsCut: 0,
      promptFit: { seqLen: 288, maxCotTokens: 160, budget: 117 },
      promptCut: { train: { n: 2000, cut: 30, rate: 0.015, dropped: 0 }, dev: { n: 200, cut: 4, rate: 0.02, dropped: 0 }, test: { n: 500, cut: 9, rate: 0.018, dropped: 1 } },
    },
    split: 'dev',
    modelConfig: makeConfig({ dim: 64, nLayers: 4, nHeads: 4, nKvHeads: 2, seqLen: 288, vocabSize: 1024 }),
    parameters: 250432,
    seedModel: { name: 'base.safetensors', parameters: 250432, tokenizer: 'procedural-bpe-1024' },
    stageSeconds: {},
    losses: {},
    methods: {
      'tract-cotrail': method([0.801, 0.823, 0.845], [0.611, 0.654, 0.697], [0.88, 0.9, 0.92], 0.823, 0.022, [0.654, 0.043]),
      'label-raft-rail': method([0.701, 0.712, 0.733], [0.5, 0.52, 0.54], [0.89, 0.9, 0.91], 0.715, 0.016, [0.52, 0.02]),
      'stage1-cotrail': method([0.402, 0.415, 0.428], [0.3, 0.31, 0.32], [0.4, 0.5, 0.6], 0.415, 0.013, [0.31, 0.01], 1),
    },
    cotShift: {
      stage1: { perSeed: [{ seed: 1, rmse: 1.111 }, { seed: 2, rmse: 1.234 }, { seed: 3, rmse: 1.357 }], mean: 1.234, sd: 0.123 },
      tract: { perSeed: [{ seed: 1, rmse: 0.309 }, { seed: 2, rmse: 0.321 }, { seed: 3, rmse: 0.333 }], mean: 0.321, sd: 0.012 },
    },
    ordering: [
      {
        claim: 'TRACT > RAFT without CoT',
        better: 'tract-cotrail',
        worse: 'label-raft-rail',
        perSeed: [
          { seed: 1, difference: est(0.1, 0.02, 0.18) },
          { seed: 2, difference: est(0.111, 0.033, 0.189) },
          { seed: 3, difference: est(0.112, 0.034, 0.19) },
        ],
        meanOverSeeds: est(0.108, 0.061, 0.157),
        holds: true,
        significant: true,
      },
    ],
    paperPearson: { 'tract-cotrail': 0.65 },
    wallSeconds: 2400,
    deviations: ['RAFT weighting: <b>λ · mean</b> over the step (finetune.raftReduction "mean")', 'Decoding reads the five score tokens.'],
  };
}

function evaluation(methods: MethodName[]): EvalData {
  const j = (y: number) => ({ cots: ['The response <i>counts</i> 3 words.'], samples: [], yhat: y, probs: [0.1, 0.2, 0.4, 0.2, 0.1], mass: 0.9, decoded: 3 });
  return {
    examples: [1, 2, 3].map((g) => ({ id: `ex-${g}`, gold: g + 0.5, family: 'arithmetic', instruction: 'Add.', response: `${g}`, referenceCot: '' })),
    judgements: { tract: [j(1.5), j(2.5), j(3.5)], 'label-raft': [j(2), j(2), j(3)], stage1: [j(3), j(3), j(3)] },
    methods: Object.fromEntries(methods.map((m) => [m, { model: m === 'tract-cotrail' ? 'tract' : m === 'stage1-cotrail' ? 'stage1' : 'label-raft', score: 'yhat' }])),
  };
}

function stateWith(report: Report, runId = 'r1'): State {
  const run = { id: runId, label: 'three seeds', created: 1, updated: 1, config: report.config, status: 'done', stages: [] } as RunMeta;
  return { ...initialState, runs: [run], results: { [runId]: { report, evaluation: evaluation(Object.keys(report.methods) as MethodName[]) } } };
}

const evaluateHtml = (s: State, runId = 'r1') => renderToStaticMarkup(createElement(EvaluateView, { state: s, dispatch: () => {}, send: () => {}, runId }));
const learnHtml = (s: State, runId = 'r1') => renderToStaticMarkup(createElement(LearnView, { state: s, dispatch: () => {}, runId }));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
/** The text inside the element with a test id (the first one; its nested tags stripped). */
function byTestId(html: string, testid: string): string {
  const m = html.match(new RegExp(`<([a-z]+)[^>]*data-testid="${testid}"[^>]*>`));
  if (!m || m.index === undefined) return '';
  const tagName = m[1];
  // Walk to the matching close tag (elements of the same name may nest).
  let depth = 0;
  const re = new RegExp(`<(/?)${tagName}\\b[^>]*>`, 'g');
  re.lastIndex = m.index;
  for (let t = re.exec(html); t; t = re.exec(html)) {
    depth += t[1] ? -1 : 1;
    if (depth === 0) return text(html.slice(m.index, t.index + t[0].length)).trim();
  }
  return '';
}

describe('the Evaluate view of a multi-seed report', () => {
  const html = evaluateHtml(stateWith(multiSeedReport()));
  const t = text(html);

  it('names the scored split in the heading and the setup', () => {
    expect(t).toContain('Evaluation on the dev split');
    expect(t).not.toContain('Evaluation on the test split');
    expect(byTestId(html, 'scored-split')).toBe('dev');
    expect(byTestId(html, 'eval-summary')).toContain('200 dev examples');
    expect(byTestId(html, 'eval-summary')).toContain('3 seeds: 1, 2, 3');
  });

  it('shows mean ± sd over seeds with every seed’s value in the methods table', () => {
    const row = byTestId(html, 'method-tract-cotrail');
    expect(row).toContain('0.823 ± 0.022');
    expect(row).toContain('1: 0.801 · 2: 0.823 · 3: 0.845');
    expect(row).toContain('0.500 ± 0.017'); // RMSE
    expect(byTestId(html, 'method-label-raft-rail')).toContain('0.715 ± 0.016');
    expect(byTestId(html, 'method-stage1-cotrail')).toContain('one constant prediction in seed 1, 2, 3');
    // Each seed's CI is in the per-seed table.
    expect(byTestId(html, 'per-seed-table')).toContain('0.845 [0.795, 0.895]');
  });

  it('has the per-family Pearson table: mean ± sd and every seed', () => {
    const row = byTestId(html, 'family-tract-cotrail');
    expect(byTestId(html, 'family-table')).toContain('arithmetic');
    expect(row).toContain('0.654 ± 0.043');
    expect(row).toContain('1: 0.611 · 2: 0.654 · 3: 0.697');
    expect(row).toContain('0.900 ± 0.010');
  });

  it('leads the orderings with the mean over seeds and its paired CI, then each seed, holds and beyond noise', () => {
    const row = byTestId(html, 'ordering-row');
    expect(byTestId(html, 'ordering-mean')).toBe('0.108 [0.061, 0.157]');
    expect(row).toContain('seed 2: 0.111 [0.033, 0.189]');
    expect(row).toContain('holds');
    expect(row).toContain('beyond noise');
    expect(row).not.toContain('within noise');
  });

  it('shows the CoT shift as mean ± sd with every seed, and says what it measures', () => {
    expect(byTestId(html, 'cot-shift-stage1')).toBe('1.234 ± 0.123');
    expect(byTestId(html, 'cot-shift-stage1-seeds')).toBe('1: 1.111 · 2: 1.234 · 3: 1.357');
    expect(byTestId(html, 'cot-shift-tract')).toBe('0.321 ± 0.012');
    expect(byTestId(html, 'eval-cot-shift')).toContain('after the reference CoTs and after its own sampled CoTs, on the dev split');
  });

  it('gives the prompt-fit rule, the cut rate per split and where the run started from', () => {
    expect(byTestId(html, 'prompt-fit')).toContain('at most 117 ids');
    expect(byTestId(html, 'prompt-fit')).toContain('sequence length 288');
    expect(byTestId(html, 'prompt-fit')).toContain('160-token room');
    expect(byTestId(html, 'prompt-cut-train')).toBe('train 2000 30 1.5% 0');
    expect(byTestId(html, 'prompt-cut-dev')).toBe('dev (scored) 200 4 2.0% 0');
    expect(byTestId(html, 'prompt-cut-test')).toBe('test 500 9 1.8% 1');
    expect(byTestId(html, 'seed-model')).toContain('base.safetensors (250.4K parameters, tokenizer procedural-bpe-1024)');
  });

  it('lists the deviations in a details element, as text', () => {
    const d = byTestId(html, 'deviations');
    expect(html).toMatch(/<details[^>]*data-testid="deviations"/);
    expect(d).toContain('(2)');
    expect(d).toContain('Decoding reads the five score tokens.');
    expect(html).toContain('&lt;b&gt;λ · mean&lt;/b&gt;');
    expect(html).not.toContain('<b>λ');
  });
});

describe('the Learn view of a multi-seed report', () => {
  const html = learnHtml(stateWith(multiSeedReport()));

  it('reads the CoT shift and the judges’ Pearson from the report, mean over seeds', () => {
    expect(byTestId(html, 'cot-shift')).toContain('on the dev split, mean ± sd over the seeds');
    expect(byTestId(html, 'cot-shift-stage1')).toBe('1.234 ± 0.123');
    expect(byTestId(html, 'cot-shift-tract')).toBe('0.321 ± 0.012');
    expect(byTestId(html, 'cot-shift-verdict')).toContain('3.8× less'); // 1.234 / 0.321
    const p = byTestId(html, 'run-pearson');
    expect(p).toContain('dev split, mean over 3 seeds');
    expect(p).toContain('TRACT + CoT-RAIL 0.823');
    expect(p).toContain('stage 1 only + CoT-RAIL 0.415');
    expect(p).toContain('label-only RAFT without a CoT 0.715');
  });

  it('follows the report: other numbers, other text', () => {
    const r = multiSeedReport();
    r.methods['tract-cotrail']!.mean.pearson = spreadOf(0.456, 0.01);
    r.cotShift.tract = { perSeed: [], mean: 2.5, sd: 0 };
    const h = learnHtml(stateWith(r));
    expect(byTestId(h, 'run-pearson')).toContain('TRACT + CoT-RAIL 0.456');
    expect(byTestId(h, 'cot-shift-verdict')).toContain('as much as stage 1’s or more');
  });
});

describe('one seed', () => {
  it('keeps each metric’s 95% CI and the single ordering difference', () => {
    const r = multiSeedReport();
    r.seeds = [1];
    for (const res of Object.values(r.methods)) res!.perSeed = res!.perSeed.slice(0, 1);
    r.ordering[0].perSeed = r.ordering[0].perSeed.slice(0, 1);
    r.ordering[0].meanOverSeeds = r.ordering[0].perSeed[0].difference;
    const html = evaluateHtml(stateWith(r));
    expect(byTestId(html, 'method-tract-cotrail')).toContain('0.801 [0.751, 0.851]');
    expect(byTestId(html, 'method-tract-cotrail')).not.toContain('±');
    expect(byTestId(html, 'ordering-mean')).toBe('0.100 [0.020, 0.180]');
    expect(byTestId(html, 'family-tract-cotrail')).toContain('0.611');
    expect(html).not.toContain('data-testid="per-seed-table"');
  });
});

describe('a report made before these fields existed', () => {
  /** The multi-seed fixture without split, meanOverSeeds, familyMean, promptFit/promptCut, cotShift, seedModel, deviations. */
  function oldReport(): Report {
    const r = multiSeedReport();
    delete (r as Partial<Report>).split;
    delete (r as Partial<Report>).seedModel;
    delete (r as Partial<Report>).cotShift;
    delete (r as Partial<Report>).deviations;
    delete (r.data as Partial<Report['data']>).promptFit;
    delete (r.data as Partial<Report['data']>).promptCut;
    for (const o of r.ordering) delete (o as Partial<typeof o>).meanOverSeeds;
    for (const res of Object.values(r.methods)) delete (res as Partial<typeof res>).familyMean;
    return r;
  }

  it('renders n/a in the Evaluate and Learn views instead of throwing', () => {
    const s = stateWith(oldReport());
    const html = evaluateHtml(s);
    expect(text(html)).toContain('Evaluation (scored split: n/a)');
    expect(byTestId(html, 'scored-split')).toContain('n/a');
    expect(byTestId(html, 'ordering-mean')).toBe('n/a');
    expect(byTestId(html, 'ordering-row')).toContain('seed 3: 0.112 [0.034, 0.190]');
    expect(byTestId(html, 'family-tract-cotrail')).toContain('n/a');
    expect(byTestId(html, 'family-tract-cotrail')).toContain('1: 0.611 · 2: 0.654 · 3: 0.697');
    expect(byTestId(html, 'prompt-fit')).toContain('n/a');
    expect(byTestId(html, 'prompt-cut-test')).toBe('test n/a n/a n/a n/a');
    expect(byTestId(html, 'seed-model')).toContain('n/a');
    expect(byTestId(html, 'deviations')).toContain('(0)');
    expect(text(html)).toContain('neither stage 1 nor TRACT');
    expect(() => learnHtml(s)).not.toThrow();
  });

  it('renders the committed public/judge/report.json (whatever its age) in both views', () => {
    const report = JSON.parse(readFileSync(new URL('../../public/judge/report.json', import.meta.url), 'utf8')) as Report;
    const s = stateWith(report, 'shipped');
    const html = evaluateHtml(s, 'shipped');
    const first = Object.keys(report.methods)[0];
    expect(html).toContain(`data-testid="method-${first}"`);
    expect(text(html)).toContain('the run the ready judge comes from');
    if (!report.split) expect(text(html)).toContain('scored split: n/a');
    const o = report.ordering[0];
    // No mean over seeds recorded: 'n/a' with several seeds; with one seed, that seed's difference.
    if (o && !o.meanOverSeeds) expect(byTestId(html, 'ordering-mean')).toBe(report.seeds.length > 1 ? 'n/a' : ci(o.perSeed[0].difference));
    const learn = learnHtml(s, 'shipped');
    const tract = report.methods['tract-cotrail'];
    if (tract) expect(byTestId(learn, 'run-pearson')).toContain(`TRACT + CoT-RAIL ${(tract.mean?.pearson?.mean ?? tract.perSeed[0].metrics.pearson.value).toFixed(3)}`);
  });
});
