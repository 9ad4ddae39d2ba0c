// Issue 14, item 5: `tract data export --format feedback-collection` writes Rubric Lab, a loaded file
// or a run's self-CoTs in the Feedback Collection layout the official TRACT code trains on. Checked:
// reading the rows back with our own Feedback Collection loader gives the same examples; each row
// holds what the official scripts read (the placeholders of its with_feedback.prompt, the score
// after "[RESULT]" in output, and with --cot_no_result the CoT + " So the overall score is N" that
// our own target text is); self-CoTs replace the feedback as stage 2 trains on them; rows that
// cannot be written are named (exit 1), usage errors exit 2.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allExamples, generateRubricLab, loadJudgeData, targetScore, targetText, cotFromFeedback, toTractJsonl, type JudgeExample } from '../../src/data/index.ts';
import { toFeedbackCollectionRow, type FeedbackCollectionRow } from '../../src/data/rows/feedbackCollectionWrite.ts';
import { repoRoot } from '../../scripts/vulkan-env.mjs';
import { tractAsync } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tract-fc-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MT_BENCH = join(repoRoot, '..', 'shared', 'data', 'prometheus', 'mt_bench_eval.json');

const tract = (args: string[]) => tractAsync(args);

const rowsOf = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FeedbackCollectionRow);

/** An example as an export carries it (everything but where it came from: source, extras). */
const carried = (e: JudgeExample) => ({ id: e.id, split: e.split, instruction: e.instruction, response: e.response, referenceAnswer: e.referenceAnswer, rubric: e.rubric, feedback: e.feedback, feedbackScore: e.feedbackScore, scores: e.scores, label: e.label });

/** What the official code reads from a row (finetuning_utils/prepare_dataset.py, inference/inference.py). */
function officialView(r: FeedbackCollectionRow) {
  // with_feedback.prompt's placeholders, all of which must be columns (template.format(**instance)).
  const placeholders = ['orig_instruction', 'orig_response', 'orig_reference_answer', 'orig_criteria', ...[1, 2, 3, 4, 5].map((k) => `orig_score${k}_description`)];
  for (const p of placeholders) expect(typeof (r as unknown as Record<string, unknown>)[p], p).toBe('string');
  const finalScore = r.output.split('[RESULT]').at(-1)!.trim();
  return {
    label: Number(finalScore),
    // prepare_dataset.py --cot_no_result: the stage-1 target.
    target: r.output.includes('So the overall') ? `${r.output.split('So the overall')[0]!.trim()} So the overall score is ${finalScore}` : null,
  };
}

describe('Feedback Collection rows (in process)', () => {
  const lab = generateRubricLab({ seed: 4, train: 40, dev: 10, test: 10 });
  const examples = allExamples(lab);

  it('Rubric Lab: our loader reads every row back to the same example; the official code reads our target and the integer score', async () => {
    const rows = examples.map((e) => toFeedbackCollectionRow(e) as FeedbackCollectionRow);
    const back = await loadJudgeData(rows.map((r) => JSON.stringify(r)).join('\n'), { file: 'x.jsonl' });
    expect(back.errors).toEqual([]);
    expect(back.examples.map(carried)).toEqual(examples.map(carried));
    for (const [i, e] of examples.entries()) {
      expect(rows[i]!.orig_score).toBe(String(targetScore(e)));
      expect(rows[i]!.tract_label).toBe(e.label);
      expect(rows[i]!.tract_scores).toEqual(e.scores);
      expect(rows[i]!.split).toBe(e.split);
      const seen = officialView(rows[i]!);
      expect(seen.label).toBe(targetScore(e));
      expect(seen.target).toBe(targetText(cotFromFeedback(e.feedback!), targetScore(e)));
    }
    // The fractional labels are there (the layout's integer score is not the whole story).
    expect(examples.some((e) => !Number.isInteger(e.label))).toBe(true);
  });

  it('a row of the official layout alone (no tract_* columns) loads with orig_score as its label; a tract_label that is not the mean of tract_scores is refused', async () => {
    const e = examples.find((x) => !Number.isInteger(x.label))!;
    const { tract_label: _l, tract_scores: _s, split: _p, id: _i, ...official } = toFeedbackCollectionRow(e) as FeedbackCollectionRow;
    const plain = await loadJudgeData(JSON.stringify(official));
    expect(plain.examples[0]).toMatchObject({ label: targetScore(e), scores: [targetScore(e)], feedback: e.feedback });
    expect(plain.examples[0]!.split).toBeUndefined();
    const wrong = await loadJudgeData(JSON.stringify({ ...official, tract_scores: [2, 3], tract_label: 2 }));
    expect(wrong.errors).toEqual([expect.objectContaining({ field: 'tract_label', message: 'expected the mean of tract_scores, 2.5, got the number 2' })]);
  });

  it('a loaded Feedback Collection file goes out and back unchanged, label included', async () => {
    const fc = examples.slice(0, 12).map((e) => toFeedbackCollectionRow(e) as FeedbackCollectionRow);
    const first = await loadJudgeData(fc.map((r) => JSON.stringify(r)).join('\n'));
    const again = first.examples.map((e) => toFeedbackCollectionRow(e) as FeedbackCollectionRow);
    const second = await loadJudgeData(again.map((r) => JSON.stringify(r)).join('\n'));
    expect(second.examples).toEqual(first.examples);
  });

  it('a self-CoT replaces the feedback: the CoT, then the gold score, as stage 2 trains on it', () => {
    const e = lab.train[3]!;
    const r = toFeedbackCollectionRow(e, ' I counted the words: nine. So the overall score is 2') as FeedbackCollectionRow;
    expect(r.orig_feedback).toBe(`I counted the words: nine. So the overall score is ${targetScore(e)}`);
    expect(r.output).toBe(`${r.orig_feedback} [RESULT] ${targetScore(e)}`);
    expect(officialView(r).target).toBe(r.orig_feedback);
  });

  it('an example without feedback has no row, and says why', () => {
    const { feedback: _f, feedbackScore: _s, ...bare } = examples[0]!;
    expect(toFeedbackCollectionRow(bare as JudgeExample)).toEqual({ field: 'feedback', reason: expect.stringMatching(/no feedback/) });
  });
});

describe.concurrent('tract data export --format feedback-collection', () => {
  it('--rubric-lab --split train to a file, --json summary; the file loads back', async () => {
    const out = join(dir, 'rl.jsonl');
    const r = await tract(['data', 'export', '--format', 'feedback-collection', '--rubric-lab', '--seed', '4', '--train', '40', '--dev', '10', '--test', '10', '--split', 'train', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'feedback-collection', rows: 40, splits: { train: 40 }, errorCount: 0 });
    const back = await loadJudgeData(readFileSync(out, 'utf8'));
    expect(back.examples.map(carried)).toEqual(generateRubricLab({ seed: 4, train: 40, dev: 10, test: 10 }).train.map(carried));
  });

  it('a loaded file (mt_bench_eval.json, Prometheus benchmark) to stdout: every row loads back to the same example', async () => {
    const r = await tract(['data', 'export', '--format', 'feedback-collection', MT_BENCH]);
    expect(r.status, r.stderr).toBe(0);
    const rows = rowsOf(r.stdout);
    expect(rows).toHaveLength(320);
    const src = await loadJudgeData(readFileSync(MT_BENCH, 'utf8'));
    const back = await loadJudgeData(r.stdout);
    expect(back.errors).toEqual([]);
    expect(back.examples.map(carried)).toEqual(src.examples.map(carried));
    expect(rows.map((x) => x.tract_label)).toEqual(src.examples.map((e) => e.label));
  });

  it("a run's self-CoTs, the data from its report.json; an unknown id is named and exits 1 with the rest written", async () => {
    const data = { seed: 6, train: 12, dev: 2, test: 3, noise: 0.6 };
    const lab = generateRubricLab(data);
    const run = join(dir, 'run');
    mkdirSync(join(run, 'seed-1'), { recursive: true });
    writeFileSync(join(run, 'report.json'), JSON.stringify({ config: { data } }));
    const cots = lab.train.map((e, i) => ({ id: e.id, cot: `My own reasoning number ${i}.`, label: e.label, settings: 'x' }));
    const selfCot = join(run, 'seed-1', 'self-cot.jsonl');
    writeFileSync(selfCot, cots.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const bad = join(run, 'seed-1', 'bad-self-cot.jsonl');
    writeFileSync(bad, [...cots.slice(0, 5), { id: 'not-in-the-lab', cot: 'x', label: 3 }].map((c) => JSON.stringify(c)).join('\n') + '\n');
    mkdirSync(join(dir, 'lone'));
    const lone = join(dir, 'lone', 'self-cot.jsonl');
    writeFileSync(lone, JSON.stringify(cots[0]) + '\n');
    const out = join(dir, 'self.jsonl');
    const [ok, partly, usage] = await Promise.all([
      tract(['data', 'export', '--format', 'feedback-collection', '--self-cots', selfCot, '--out', out]),
      tract(['data', 'export', '--format', 'feedback-collection', '--self-cots', bad, '--out', join(dir, 'bad.jsonl'), '--json']),
      // Self-CoTs without a report.json of their run: which data is unknown.
      tract(['data', 'export', '--format', 'feedback-collection', '--self-cots', lone, '--out', join(dir, 'lone-fc.jsonl'), '--json']),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    const back = await loadJudgeData(readFileSync(out, 'utf8'));
    expect(back.examples.map((e) => e.id)).toEqual(lab.train.map((e) => e.id));
    back.examples.forEach((e, i) => expect(e.feedback).toBe(targetText(cots[i]!.cot, targetScore(lab.train[i]!))));
    expect(partly.status).toBe(1);
    const j = JSON.parse(partly.stdout);
    expect(j.rows).toBe(5);
    expect(j.errors).toEqual([{ error: 'input', file: bad, line: 6, row: 5, field: 'id', message: expect.stringMatching(/no example "not-in-the-lab"/) }]);
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: 'usage', message: expect.stringMatching(/--self-cots: no report\.json of its run/) });
  });

  it('rows without feedback: exit 1, each named; none at all: exit 1, nothing written; usage errors exit 2', async () => {
    const lab = allExamples(generateRubricLab({ seed: 2, train: 4, dev: 0, test: 0 }));
    const some = join(dir, 'some.jsonl');
    writeFileSync(some, lab.map((e, i) => (i === 1 ? toTractJsonl({ ...e, feedback: undefined, feedbackScore: undefined }) : toTractJsonl(e))).join('\n') + '\n');
    const none = join(dir, 'none.jsonl');
    writeFileSync(none, lab.map((e) => toTractJsonl({ ...e, feedback: undefined, feedbackScore: undefined })).join('\n') + '\n');
    const [a, b, c, d, e] = await Promise.all([
      tract(['data', 'export', '--format', 'feedback-collection', some, '--out', join(dir, 'some-fc.jsonl'), '--json']),
      tract(['data', 'export', '--format', 'feedback-collection', none, '--out', join(dir, 'none-fc.jsonl'), '--json']),
      tract(['data', 'export', '--rubric-lab', '--json']),
      tract(['data', 'export', '--format', 'feedback-collection']),
      tract(['data', 'export', '--format', 'feedback-collection', some, '--rubric-lab']),
    ]);
    expect(a.status, a.stderr).toBe(1);
    expect(JSON.parse(a.stdout)).toMatchObject({ rows: 3, errors: [{ error: 'input', file: some, row: 1, field: 'feedback' }] });
    expect(readFileSync(join(dir, 'some-fc.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(b.status).toBe(1);
    expect(JSON.parse(b.stdout)).toHaveLength(4);
    expect(() => readFileSync(join(dir, 'none-fc.jsonl'))).toThrow(/ENOENT/);
    expect(c.status).toBe(2);
    expect(JSON.parse(c.stdout)).toEqual({ error: 'usage', message: "--format must be feedback-collection, got nothing" });
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/what to export: a file, --rubric-lab, or a run's --self-cots/);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/a file or --rubric-lab, not both/);
  });
});
