// The prompt-fit rule (issue 11): for the same example, label-only training, CoT training (reference
// and self-generated CoTs), self-CoT sampling and every read-out (label-only, given CoTs, CoT-RAIL)
// start from identical prompt ids, so no method sees a cut another does not. The judge runs on a
// recording stand-in for the generator (no GPU): it writes a long text as its "CoT" and returns flat
// logits, and keeps every prompt it was given.
import { describe, expect, it } from 'vitest';
import {
  fitCot,
  fitJudgePrompt,
  prepareJudgeSequences,
  promptBudget,
  readoutIds,
  scorePrefix,
  scoreSuffixTokens,
  type JudgeExample,
  type PromptFit,
  type Tokenizer,
} from '../../src/data/index.ts';
import type { GenerateOptions, Generation, SequenceGenerator } from '../../src/infer/generate.ts';
import { Judge } from '../../src/infer/judge.ts';
import { defaultLab, labTokenizer } from '../data/shared.ts';

/** A generator that records its inputs, checks they fit Tmax, and writes `text`'s tokens. */
class RecordingGenerator implements SequenceGenerator {
  readonly maxBatch = 8;
  readonly Tmax: number;
  readonly sampled: number[][] = [];
  readonly readouts: number[][] = [];
  private readonly reply: number[];
  private readonly V: number;

  constructor(Tmax: number, tok: Tokenizer, text: string) {
    this.Tmax = Tmax;
    this.V = tok.vocabSize;
    this.reply = tok.encode(text);
  }

  async lastLogits(prompts: number[][]): Promise<Float32Array[]> {
    for (const p of prompts) {
      expect(p.length).toBeLessThanOrEqual(this.Tmax);
      this.readouts.push([...p]);
    }
    return prompts.map(() => new Float32Array(this.V));
  }

  async generate(prompts: number[][], o: GenerateOptions): Promise<Generation> {
    const tokens: number[][] = prompts.map(() => []);
    const done = prompts.map(() => false);
    for (const p of prompts) {
      expect(p.length + o.maxNewTokens).toBeLessThanOrEqual(this.Tmax);
      this.sampled.push([...p]);
    }
    for (let t = 0; t < o.maxNewTokens; t++) {
      prompts.forEach((_, b) => {
        if (done[b]) return;
        const id = this.reply[t % this.reply.length];
        tokens[b].push(id);
        o.onToken?.(b, id);
        if (o.stop?.(b, tokens[b])) done[b] = true;
      });
    }
    return { tokens, finish: done.map((d) => (d ? 'stop' : 'length')) };
  }
}

function long(ex: JudgeExample): JudgeExample {
  return { ...ex, id: `${ex.id}-long`, response: ex.response + ' and more'.repeat(120), referenceAnswer: ex.referenceAnswer + ' also'.repeat(30) };
}

const startsWith = (ids: ArrayLike<number>, prefix: readonly number[]) => expect(Array.from(ids).slice(0, prefix.length)).toEqual(prefix);

describe('the prompt-fit rule', () => {
  const tok = labTokenizer();
  const lab = defaultLab();
  const examples = [...lab.test.slice(0, 10), ...lab.test.slice(10, 16).map(long)];
  const fit: PromptFit = { seqLen: 192, maxCotTokens: 48 };
  const template = 'compact' as const;
  const prompt = new Map(examples.map((ex) => [ex.id, fitJudgePrompt(ex, tok, template, fit)!]));
  /** A self-CoT far longer than the room: training must cut it, not the prompt. */
  const longCot = 'First I compare the response with the reference, word by word, '.repeat(12).trim();

  it('gives every training set the same prompt ids, cut the same way', () => {
    expect([...prompt.values()].filter((p) => p.truncated).length).toBeGreaterThanOrEqual(6);
    for (const p of prompt.values()) expect(p.ids.length).toBeLessThanOrEqual(promptBudget(tok, fit));
    const base = { tokenizer: tok, template, seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens };
    const sets = {
      label: prepareJudgeSequences(examples, { ...base, labelOnly: true }),
      reference: prepareJudgeSequences(examples, base),
      self: prepareJudgeSequences(examples, { ...base, cots: new Map(examples.map((ex) => [ex.id, longCot])) }),
    };
    for (const [name, set] of Object.entries(sets)) {
      expect(set.dropped, name).toEqual([]);
      expect(set.truncated, name).toBe([...prompt.values()].filter((p) => p.truncated).length);
      for (const s of set.sequences) {
        const p = prompt.get(s.id)!;
        expect(Array.from(s.ids.slice(0, s.targetStart)), `${name} ${s.id}`).toEqual(p.ids);
        expect(s.prompt).toBe(p.prompt);
        expect(s.truncated).toBe(p.truncated);
        expect(s.ids.length - 1).toBeLessThanOrEqual(fit.seqLen);
      }
    }
    // The long self-CoTs were cut to the room, at a word boundary; the score is still there.
    expect(sets.self.cotCut).toBe(examples.length);
    for (const s of sets.self.sequences) {
      expect(longCot.startsWith(s.cot)).toBe(true);
      expect(s.scoreIndex - s.targetStart).toBeLessThanOrEqual(fit.maxCotTokens + scoreSuffixTokens(tok));
      expect(s.ids[s.scoreIndex]).toBe(tok.scoreTokenIds()[s.scoreDigit - 1]);
    }
  });

  it('the judge samples and reads out from the same prompt ids as training, for every method', async () => {
    const gen = new RecordingGenerator(fit.seqLen, tok, longCot);
    const judge = new Judge(gen, tok);
    const o = { template, maxCotTokens: 40, promptCotTokens: fit.maxCotTokens };
    const training = new Map(
      prepareJudgeSequences(examples, { tokenizer: tok, template, seqLen: fit.seqLen, maxCotTokens: fit.maxCotTokens }).sequences.map((s) => [s.id, s]),
    );

    // Self-CoT sampling: the prompts given to the generator are the rule's.
    const { prompts } = await judge.sampleCots(examples, { ...o, nCot: 1 });
    examples.forEach((ex, i) => expect(prompts[i], ex.id).toEqual(prompt.get(ex.id)!.ids));
    expect(gen.sampled.map((p) => p.join()).sort()).toEqual(examples.map((ex) => prompt.get(ex.id)!.ids.join()).sort());

    // Label-only read-out: the prompt, then "So the overall score is " — training's label-only row.
    gen.readouts.length = 0;
    await judge.labelOnly(examples, o);
    for (const ex of examples) {
      const row = gen.readouts.find((r) => r.length === prompt.get(ex.id)!.ids.length + tok.encode(scorePrefix('')).length && r.join().startsWith(prompt.get(ex.id)!.ids.join()));
      expect(row, ex.id).toBeDefined();
    }

    // Read-out given the reference CoTs (CoT shift): exactly training's sequence up to the score.
    gen.readouts.length = 0;
    const refs = Judge.referenceCots(examples);
    const given = await judge.withCots(examples, refs, o);
    examples.forEach((ex, i) => {
      const s = training.get(ex.id)!;
      expect(given[i].cots[0]).toBe(s.cot);
      expect(gen.readouts.map((r) => r.join())).toContain(Array.from(s.ids.slice(0, s.scoreIndex)).join());
    });

    // CoT-RAIL: sampled from the rule's prompt, read out after it, the CoT cut as training cuts it.
    gen.readouts.length = 0;
    const rail = await judge.cotRail(examples, { ...o, nCot: 2 });
    examples.forEach((ex, i) => {
      const p = prompt.get(ex.id)!.ids;
      for (const cot of rail[i].cots) {
        expect(cot).toBe(fitCot(cot, tok, fit.maxCotTokens).cot);
        expect(gen.readouts.map((r) => r.join())).toContain(Array.from(readoutIds(p, cot, tok).ids).join());
      }
    });
    for (const r of gen.readouts) startsWith(r, [tok.bos]);
  });

  it('cuts a CoT at a word boundary to the room, keeping as many words as fit', () => {
    const limit = 20 + scoreSuffixTokens(tok);
    const { cot, cut } = fitCot(longCot, tok, 20);
    expect(cut).toBe(true);
    expect(longCot.startsWith(cot)).toBe(true);
    expect(/\S$/.test(cot) && longCot[cot.length] === ' ').toBe(true);
    expect(tok.encode(scorePrefix(cot)).length).toBeLessThanOrEqual(limit);
    const oneMore = longCot.slice(0, longCot.indexOf(' ', cot.length + 1));
    expect(tok.encode(scorePrefix(oneMore)).length).toBeGreaterThan(limit);
    const short = 'The response gives 25 and the reference gives 26.';
    expect(fitCot(` ${short} `, tok, 64)).toEqual({ cot: short, cut: false });
  });

  it('refuses a CoT room smaller than the CoTs it would sample', async () => {
    const judge = new Judge(new RecordingGenerator(fit.seqLen, tok, longCot), tok);
    await expect(judge.sampleCots(examples.slice(0, 1), { template, maxCotTokens: 40, promptCotTokens: 30 })).rejects.toThrow(/promptCotTokens \(30\) is less than maxCotTokens \(40\)/);
  });
});
