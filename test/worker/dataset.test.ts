// The Data view's example detail (src/worker/dataset.ts): with a tokenizer, the prompt is shown as
// the prompt-fit rule fits it — exactly the prompt a judge trained under that rule sees — with the
// rule, its budget and whether the prompt was cut; the default rule is the default experiment
// config's (model.seqLen, the longest CoT).
import { describe, expect, it } from 'vitest';
import { encodePrompt, fitJudgePrompt, promptBudget, scoreSuffixTokens, trainRubricLabTokenizer, TRUNCATION_MARK } from '../../src/data/index.ts';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { Dataset } from '../../src/worker/dataset.ts';

describe('the Data view shows the prompt as the rule fits it', () => {
  const data = new Dataset();
  data.rubricLab({ seed: 4, train: 40, dev: 0, test: 6 });
  const tok = trainRubricLabTokenizer(data.examples.filter((e) => e.split === 'train'), { vocabSize: 384 });
  const index = data.examples.findIndex((e) => e.split === 'test');
  const ex = data.examples[index];
  const length = encodePrompt(ex, tok, 'compact').length;
  /** A rule whose budget is 6 ids short of this prompt: it must be cut. */
  const seqLen = 256;
  const tight = { seqLen, maxCotTokens: seqLen + 1 - (scoreSuffixTokens(tok) + 2) - (length - 6), source: 'test' };

  it('cut to the budget when it does not fit, and says so', () => {
    expect(promptBudget(tok, tight)).toBe(length - 6);
    const d = data.detail(index, 'compact', tok, tight);
    const fitted = fitJudgePrompt(ex, tok, 'compact', tight)!;
    expect(fitted.truncated).toBe(true);
    expect(d.prompt).toBe(fitted.prompt);
    expect(d.prompt).toContain(TRUNCATION_MARK);
    expect(d.tokens).toMatchObject({ prompt: fitted.ids.length, truncated: true, fit: { seqLen, maxCotTokens: tight.maxCotTokens, budget: length - 6, source: 'test' } });
    expect(d.tokens!.prompt).toBeLessThanOrEqual(length - 6);
    expect(d.tokens!.note).toBeUndefined();
  });

  it('uncut when it fits; a CoT longer than the room is cut as training cuts it', () => {
    const roomy = data.detail(index, 'compact', tok, { seqLen: 512, maxCotTokens: 200 });
    expect(roomy.tokens).toMatchObject({ prompt: length, truncated: false, cotCut: false });
    const shortRoom = data.detail(index, 'compact', tok, { seqLen: 512, maxCotTokens: 4 });
    expect(shortRoom.tokens).toMatchObject({ truncated: false, cotCut: true });
    expect(shortRoom.target.length).toBeLessThan(roomy.target.length);
  });

  it('says why when even an emptied prompt cannot fit', () => {
    const d = data.detail(index, 'compact', tok, { seqLen: 64, maxCotTokens: 60 });
    expect(d.tokens).toMatchObject({ truncated: true, fit: { seqLen: 64, maxCotTokens: 60 } });
    expect(d.tokens!.note).toMatch(/even an emptied prompt exceeds the prompt budget/);
  });

  it("defaults to the default experiment config's seqLen and CoT room", () => {
    const d = data.detail(index, 'compact', tok);
    expect(d.tokens!.fit).toMatchObject({ seqLen: DEFAULT_CONFIG.model.seqLen, maxCotTokens: Math.max(DEFAULT_CONFIG.selfCot.maxTokens, DEFAULT_CONFIG.eval.maxCotTokens) });
    expect(d.tokens!.fit!.source).toMatch(/default experiment config/);
    // Without a tokenizer: the rendered prompt, no token counts.
    expect(data.detail(index, 'compact', null).tokens).toBeUndefined();
  });
});
