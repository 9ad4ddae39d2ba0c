// A 1–10 score scale end to end (issue 14, item 3): `tract run --quick` on Rubric Lab's 1–10 variant
// ({"data": {"levels": 10}}) trains with RAFT on ten score tokens and scores with ten-way RAIL; the
// report names the scale; every judgement has ten probabilities and ŷ within 1..10; `tract data
// rubric-lab --levels 10` writes the variant and `tract eval` judges it with the trained judge; its
// Hugging Face export records the scale in tract_judge.json.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/eval/experiment.ts';
import type { RowLine } from '../../src/eval/file_rows.ts';
import { tract } from '../helpers/cli.ts';

describe('a 1–10 score scale through tract run and tract eval', () => {
  it('trains and scores on ten levels; the report names the scale; tract eval reads ten probabilities', () => {
    const out = mkdtempSync(join(tmpdir(), 'tract-scale10-'));
    const config = join(out, 'config.json');
    writeFileSync(config, JSON.stringify({ data: { levels: 10 } }));
    const r = tract(['run', '--quick', '--config', config, '--methods', 'label-raft-rail,tract-cotrail', '--out', join(out, 'run')], { timeoutMs: 600_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'run', 'report.json'), 'utf8')) as Report;
    expect(report.data.scale).toBe('1..10 (10 written 0)');
    expect(readFileSync(join(out, 'run', 'report.md'), 'utf8')).toMatch(/score scale 1\.\.10 \(10 written 0\)/);
    for (const m of ['label-raft-rail', 'tract-cotrail'] as const) expect(Number.isFinite(report.methods[m]!.perSeed[0].metrics.rmse.value), m).toBe(true);

    const data = join(out, 'ten.jsonl');
    const g = tract(['data', 'rubric-lab', '--levels', '10', '--train', '0', '--dev', '0', '--test', '12', '--seed', '9', '--out', data]);
    expect(g.status, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/train rows by family and rubric score \(1\.\.10\)/);
    const rows = readFileSync(data, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rubric: Record<string, string> });
    expect(rows[0].rubric.score10).toBeDefined();

    const lines = join(out, 'eval.jsonl');
    const e = tract(['eval', '--checkpoint', join(out, 'run', 'seed-1', 'tract.safetensors'), '--data', data, '--greedy', '--max-prompt-tokens', 'budget', '--out', lines, '--json'], { timeoutMs: 300_000 });
    expect(e.status, e.stderr.slice(-2000)).toBe(0);
    const judged = readFileSync(lines, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RowLine);
    expect(judged).toHaveLength(12);
    for (const l of judged) {
      expect(l.probs, l.id).toHaveLength(10);
      expect(l.yhat!, l.id).toBeGreaterThanOrEqual(1);
      expect(l.yhat!, l.id).toBeLessThanOrEqual(10);
      expect(l.decoded! >= 1 && l.decoded! <= 10 && Number.isInteger(l.decoded), l.id).toBe(true);
      expect(l.probs!.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-5);
    }
    expect(JSON.parse(e.stdout).metrics.n).toBe(12);

    // Its Hugging Face export records the scale it was trained on.
    const hf = join(out, 'hf');
    const x = tract(['export', '--checkpoint', join(out, 'run', 'seed-1', 'tract.safetensors'), '--format', 'hf', '--out', hf, '--no-verify']);
    expect(x.status, x.stderr).toBe(0);
    const judgeJson = JSON.parse(readFileSync(join(hf, 'tract_judge.json'), 'utf8')) as { score_labels: string[]; score_values: number[]; score_token_ids: number[] };
    expect(judgeJson.score_labels.join('')).toBe('1234567890');
    expect(judgeJson.score_values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(judgeJson.score_token_ids).size).toBe(10);
  }, 700_000);
});
