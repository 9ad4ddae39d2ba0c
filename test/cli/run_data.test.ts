// `tract run --data <file>` (issue 15): the experiment on the user's own file — here a 60-row tract
// JSONL — split as asked, trained through every stage of the methods chosen and scored on its test
// split; and the errors: --split without --data, a bad --split, rows that do not load, and CoT
// methods on a file without feedback.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allExamples, generateRubricLab } from '../../src/data/index.ts';
import type { Report } from '../../src/eval/experiment.ts';
import { tract } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tract-run-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = allExamples(generateRubricLab({ seed: 12, train: 60, dev: 0, test: 0 })).map((ex, i) => ({
  id: `row-${i}`,
  instruction: ex.instruction,
  response: ex.response,
  reference_answer: ex.referenceAnswer,
  rubric: ex.rubric,
  feedback: ex.feedback,
  score: ex.label,
}));
const file = (name: string, lines: unknown[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
};
// The app's smoke shape: tiny model, a few steps per stage, short CoTs.
const tiny = join(dir, 'tiny.json');
writeFileSync(
  tiny,
  JSON.stringify({
    data: { vocabSize: 320 },
    model: { dim: 16, hiddenDim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1, seqLen: 192 },
    stage0: { batchSize: 4, maxSteps: 4 },
    finetune: { batchSize: 4, maxSteps: 4 },
    selfCot: { maxTokens: 12 },
    eval: { maxCotTokens: 12, bootstrap: 50, batch: 16 },
  }),
);

describe('tract run --data', () => {
  it('trains a 60-row JSONL through every stage with the split asked for and scores its test split', () => {
    const out = join(dir, 'out');
    const r = tract(['run', '--quick', '--from-scratch', '--config', tiny, '--data', file('mine.jsonl', rows), '--split', '0.1,0.2', '--methods', 'label-raft-rail,tract-cotrail', '--out', out], { timeoutMs: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/mine\.jsonl, a random split \(seed 1\): 20% test, 10% dev, the rest train: 42 train \/ 6 dev \/ 12 test, 42 training examples with a reference CoT/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.data).toMatchObject({ train: 42, dev: 6, test: 12, source: 'mine.jsonl, a random split (seed 1): 20% test, 10% dev, the rest train' });
    for (const m of ['label-raft-rail', 'tract-cotrail'] as const) expect(report.methods[m]!.perSeed[0].n).toBe(12);
    expect(readFileSync(join(out, 'seed-1', 'self-cot.jsonl'), 'utf8').trim().split('\n')).toHaveLength(42);
  }, 600_000);

  it('says what is wrong: --split alone, a bad --split, rows that do not load, CoT methods without feedback', () => {
    const a = tract(['run', '--split', 'file']);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--split goes with --data/);
    const good = file('good.jsonl', rows);
    const b = tract(['run', '--from-scratch', '--data', good, '--split', '0.5']);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--split: '0\.5' is neither 'file' nor two fractions/);
    const bad = file('bad.jsonl', [rows[0], { ...rows[1], score: 9 }, '{"instruction": "unterminated']);
    const c = tract(['run', '--from-scratch', '--data', bad]);
    expect(c.status).not.toBe(0);
    expect(c.stderr).toMatch(/bad\.jsonl: 2 of 3 rows were rejected/);
    expect(c.stderr).toMatch(/bad\.jsonl:2 .*score/);
    const bare = file('bare.jsonl', rows.map(({ feedback: _f, ...r }) => r));
    const d = tract(['run', '--from-scratch', '--data', bare, '--methods', 'label-raft-rail,tract-cotrail']);
    expect(d.status).not.toBe(0);
    expect(d.stderr).toMatch(/bare\.jsonl: no training example has feedback to use as a reference CoT, so tract-cotrail cannot train/);
  });
});
