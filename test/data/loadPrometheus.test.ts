// Real data: mt_bench_eval.json (320 rows judged by GPT-4), streamed.
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadJudgeData, parsePrometheusPrompt, renderPrompt, rewriteFeedback, statedScore, targetScore } from '../../src/data/index.ts';
import { MT_BENCH } from './shared.ts';

describe('mt_bench_eval.json', () => {
  it('loads 320 rows with label mean 3.49 and every section parsed', async () => {
    const r = await loadJudgeData(createReadStream(MT_BENCH, { highWaterMark: 1000 }), { file: MT_BENCH });
    expect(r.errors).toEqual([]);
    expect([r.accepted, r.rejected, r.fatal]).toEqual([320, 0, false]);
    const mean = r.examples.reduce((s, e) => s + e.label, 0) / r.examples.length;
    expect(mean).toBeCloseTo(3.49, 2);
    const raw = JSON.parse(readFileSync(MT_BENCH, 'utf8')) as { instruction: string; gpt4_score: number[] }[];
    r.examples.forEach((ex, i) => {
      for (const v of [ex.instruction, ex.response, ex.referenceAnswer, ex.rubric.criteria, ...ex.rubric.levels.map((l) => l.description)]) expect(v.trim().length).toBeGreaterThan(0);
      expect(ex.rubric.levels.map((l) => `${l.label}=${l.value}`)).toEqual(['1=1', '2=2', '3=3', '4=4', '5=5']);
      // Re-rendering the parsed sections gives the original prompt byte for byte.
      expect(renderPrompt(ex, 'prometheus')).toBe(raw[i]!.instruction);
      expect(ex.scores).toEqual(raw[i]!.gpt4_score);
    });
    // Ids are idx + responder (idx alone repeats for the 4 responders).
    expect(new Set(r.examples.map((e) => e.id)).size).toBe(320);
    expect(r.examples[0]!.id).toBe('83:llama2_chat_13b');
  });

  it('picks the feedback closest to the mean as the reference CoT, and rewrites it to the target form', async () => {
    const r = await loadJudgeData(readFileSync(MT_BENCH, 'utf8'), { file: MT_BENCH });
    const ex = r.examples[0]!;
    expect(ex.scores).toEqual([3, 2, 3]);
    expect(ex.feedbackScore).toBe(3);
    expect(targetScore(ex)).toBe(3);
    expect(rewriteFeedback(ex.feedback!, targetScore(ex)).endsWith('the necessary detail and clarity. So the overall score is 3')).toBe(true);
    // The one feedback in the file that ends "[RESULT] Score: 1." is cut there.
    const all = r.examples.flatMap((e) => e.extras!.feedbacks as string[]);
    const withResult = all.filter((f) => f.includes('[RESULT]'));
    expect(withResult).toHaveLength(1);
    expect(statedScore(withResult[0]!)).toBe(1);
    expect(rewriteFeedback(withResult[0]!, 1)).toMatch(/persona\. So the overall score is 1$/);
  });

  it('reads the same rows from a web ReadableStream of bytes and from one-character string chunks', async () => {
    const text = readFileSync(MT_BENCH, 'utf8').slice(0, 60_000);
    const cut = text.lastIndexOf('},\n') + 1; // keep whole rows, then close the array
    const small = text.slice(0, cut) + '\n]';
    const web = Readable.toWeb(Readable.from([Buffer.from(small)])) as unknown as ReadableStream<Uint8Array>;
    const a = await loadJudgeData(web, { file: 'web' });
    const b = await loadJudgeData([...small], { file: 'chars' });
    expect(a.accepted).toBeGreaterThan(5);
    expect(b.examples).toEqual(a.examples);
  });

  it('parses a prompt whose sections are missing, naming the section', () => {
    const raw = JSON.parse(readFileSync(MT_BENCH, 'utf8'))[0].instruction as string;
    const r = parsePrometheusPrompt(raw.replace('###Reference Answer (Score 5):', '###Reference:'));
    expect(r).toMatchObject({ ok: false, field: 'reference answer', message: expect.stringMatching(/"###Reference Answer \(Score 5\):" not found/) });
  });
});
