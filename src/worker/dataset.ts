// The Data view's dataset, held in the worker: Rubric Lab generated from a seed and sizes, or a
// JSON/JSONL file loaded and validated as a stream (file.stream()). The UI asks for pages of a
// search and for single examples (rendered prompt and target); it never holds the whole file.
// With a tokenizer, an example's prompt is shown as the prompt-fit rule fits it (the prompt a judge
// trained under that rule sees), and the detail says when it was cut.
import {
  allExamples,
  buildExample,
  fileSplitUsable,
  generateRubricLab,
  nearestLevel,
  scaleConflict,
  describeScale,
  loadJudgeData,
  promptBudget,
  referenceCot,
  renderPrompt,
  targetScore,
  targetText,
  type JudgeExample,
  type LoadResult,
  type PromptFit,
  type TemplateName,
  type TextSource,
  type Tokenizer,
  withReferenceCot,
} from '../data/index.ts';
import { defaultPromptFit } from './judge_fit.ts';
import type { DatasetSummary, ExampleDetail, ExampleRow, RubricLabRequest } from './protocol.ts';

const PREVIEW = 160;
const MAX_ERRORS_SHOWN = 500;

function preview(s: string): string {
  return s.length > PREVIEW ? `${s.slice(0, PREVIEW)}…` : s;
}

function summarize(name: string, kind: DatasetSummary['kind'], examples: JudgeExample[], r: Pick<LoadResult, 'accepted' | 'rejected' | 'fatal' | 'errors'>, ms: number, bytes?: number): DatasetSummary {
  const splits: DatasetSummary['splits'] = {};
  // Labels counted by the level they round to (the nearest level of the example's own rubric).
  const hist: number[] = new Array(Math.max(5, ...examples.map((ex) => ex.rubric.levels.length))).fill(0);
  let sum = 0;
  for (const ex of examples) {
    const s = ex.split ?? 'none';
    splits[s] = (splits[s] ?? 0) + 1;
    hist[nearestLevel(ex.rubric.levels, ex.label)]++;
    sum += ex.label;
  }
  return {
    name,
    kind,
    accepted: r.accepted,
    rejected: r.rejected,
    fatal: r.fatal,
    errors: r.errors.slice(0, MAX_ERRORS_SHOWN),
    errorCount: r.errors.length,
    splits,
    labelMean: examples.length ? sum / examples.length : null,
    withReferenceCot: withReferenceCot(examples),
    fileSplitProblem: fileSplitUsable(examples),
    labelHistogram: hist,
    scale: sharedScale(examples),
    bytes,
    ms,
  };
}

export class Dataset {
  examples: JudgeExample[] = [];
  summary: DatasetSummary | null = null;
  private lastQuery: { key: string; indices: number[] } | null = null;

  rubricLab(req: RubricLabRequest): DatasetSummary {
    const t0 = performance.now();
    for (const [k, v] of Object.entries(req)) {
      if (!Number.isInteger(v) || v < 0 || (k !== 'seed' && v > 100_000)) throw new Error(`Rubric Lab: ${k} must be an integer between 0 and 100000, got ${v}`);
    }
    if (req.train + req.dev + req.test === 0) throw new Error('Rubric Lab: all three split sizes are 0');
    if (req.levels !== undefined && req.levels !== 5 && req.levels !== 10) throw new Error(`Rubric Lab: levels must be 5 or 10, got ${String(req.levels)}`);
    const lab = generateRubricLab({ seed: req.seed, train: req.train, dev: req.dev, test: req.test, ...(req.levels ? { levels: req.levels } : {}) });
    this.examples = allExamples(lab);
    this.lastQuery = null;
    const n = this.examples.length;
    this.summary = summarize(`Rubric Lab (seed ${req.seed}${req.levels === 10 ? ', 1–10' : ''})`, 'rubric-lab', this.examples, { accepted: n, rejected: 0, fatal: false, errors: [] }, performance.now() - t0);
    return this.summary;
  }

  async load(name: string, source: TextSource, bytes?: number): Promise<DatasetSummary> {
    const t0 = performance.now();
    const r = await loadJudgeData(source, { file: name });
    this.examples = r.examples;
    this.lastQuery = null;
    this.summary = summarize(name, 'file', r.examples, r, performance.now() - t0, bytes);
    return this.summary;
  }

  query(query: string, split: string, offset: number, limit: number): { total: number; rows: ExampleRow[] } {
    const q = query.trim().toLowerCase();
    const key = `${split}\u0000${q}`;
    if (this.lastQuery?.key !== key) {
      const indices: number[] = [];
      this.examples.forEach((ex, i) => {
        if (split !== 'all' && (ex.split ?? 'none') !== split) return;
        if (q && !haystack(ex).includes(q)) return;
        indices.push(i);
      });
      this.lastQuery = { key, indices };
    }
    const idx = this.lastQuery.indices;
    const rows = idx.slice(offset, offset + limit).map((i) => {
      const ex = this.examples[i];
      const family = familyOf(ex);
      return { index: i, id: ex.id, split: ex.split, family, instruction: preview(ex.instruction), response: preview(ex.response), label: ex.label, scores: ex.scores };
    });
    return { total: idx.length, rows };
  }

  /**
   * One example: its prompt and target rendered, and with a tokenizer, the prompt as the prompt-fit
   * rule `fit` fits it (default: the default experiment config's model.seqLen and CoT room), the
   * target's CoT cut to the room as training cuts it, token counts, and whether the prompt was cut.
   */
  detail(index: number, template: TemplateName, tokenizer: Tokenizer | null, fit?: PromptFit & { source?: string }): ExampleDetail {
    const ex = this.examples[index];
    if (!ex) throw new Error(`no example ${index} (the dataset has ${this.examples.length})`);
    const prompt = renderPrompt(ex, template);
    const target = targetText(referenceCot(ex), targetScore(ex));
    const detail: ExampleDetail = { index, example: ex, template, prompt, target };
    if (tokenizer) {
      const rule: PromptFit = fit ? { seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens } : defaultPromptFit();
      const source = fit?.source ?? 'the default experiment config (model.seqLen, and the longest CoT of self-CoT sampling and evaluation)';
      try {
        const fitInfo = { ...rule, budget: promptBudget(tokenizer, rule), source };
        const b = buildExample(ex, { tokenizer, template, fit: rule });
        if (b.ok) {
          detail.prompt = b.example.prompt;
          detail.target = b.example.target;
          detail.tokens = {
            prompt: b.example.targetStart,
            target: b.example.ids.length - b.example.targetStart,
            total: b.example.ids.length,
            tokenizer: tokenizer.name,
            truncated: b.example.truncated,
            cotCut: b.example.cotCut,
            fit: fitInfo,
          };
        } else {
          detail.tokens = { prompt: 0, target: 0, total: 0, tokenizer: tokenizer.name, truncated: true, fit: fitInfo, note: b.reason };
        }
      } catch (e) {
        detail.tokens = { prompt: 0, target: 0, total: 0, tokenizer: tokenizer.name, truncated: false, note: (e as Error).message };
      }
    }
    return detail;
  }
}

/** The scale every example shares, or null (none, or several). */
function sharedScale(examples: readonly JudgeExample[]): DatasetSummary['scale'] {
  if (examples.length === 0 || scaleConflict(examples.map((ex) => ({ id: ex.id, levels: ex.rubric.levels })))) return null;
  return { text: describeScale(examples[0].rubric.levels), labels: examples[0].rubric.levels.map((l) => l.label) };
}

/** The family (Rubric Lab) or category (Prometheus files) the table shows under an id. */
function familyOf(ex: JudgeExample): string | undefined {
  return typeof ex.extras?.family === 'string' ? ex.extras.family : typeof ex.extras?.category === 'string' ? ex.extras.category : undefined;
}

/** Every field the table and the detail show, so a search finds what the user sees. */
function haystack(ex: JudgeExample): string {
  const r = ex.rubric;
  return [ex.id, familyOf(ex) ?? '', ex.split ?? '', ex.instruction, ex.response, ex.referenceAnswer, ex.feedback ?? '', r.criteria, ...r.levels.map((l) => l.description), String(ex.label)]
    .join('\n')
    .toLowerCase();
}
