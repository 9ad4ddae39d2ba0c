// Building examples into token sequences, truncation, [B, T] packing, shuffling, LM packing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  TRUNCATION_MARK,
  buildExample,
  encodePrompt,
  encodePromptWithin,
  judgeBatches,
  lmBatches,
  lmTexts,
  lmTokenStream,
  lmWindowCount,
  loadJudgeData,
  packJudgeBatch,
  ceTargetCount,
  prepareJudgeSequences,
  readoutIds,
  referenceCot,
  scorePrefix,
  shuffledOrder,
  trimTrainBatch,
  usedLength,
  type BuiltExample,
  type TrainBatch,
  type JudgeExample,
  type Tokenizer,
} from '../../src/data/index.ts';
import { MT_BENCH, defaultLab, labTokenizer, tok512 } from './shared.ts';

const TOKENIZERS: [string, () => Tokenizer][] = [
  ['trained BPE', labTokenizer],
  ['tok512', tok512],
];

/** The sequence length with response and reference answer one character each. */
function minimalLength(ex: JudgeExample, tok: Tokenizer): number {
  const r = buildExample({ ...ex, response: 'x', referenceAnswer: 'y' }, { tokenizer: tok, template: 'compact' });
  if (!r.ok) throw new Error(r.reason);
  return r.example.ids.length;
}

function long(ex: JudgeExample): JudgeExample {
  return { ...ex, id: ex.id + '-long', response: ex.response + ' and more'.repeat(200), referenceAnswer: ex.referenceAnswer + ' also'.repeat(40) };
}

/** Checks one packed row against the sequence it came from. */
function checkRow(b: TrainBatch, row: number, s: BuiltExample, tok: Tokenizer, includeScore = false) {
  const T = b.seqLen;
  const at = (a: Int32Array | Float32Array, t: number) => a[row * T + t]!;
  const p = b.scorePositions[row]!;
  expect(p).toBe(s.scoreIndex - 1);
  expect(at(b.targets, p)).toBe(tok.scoreTokenIds()[s.scoreDigit - 1]);
  expect(at(b.targets, p + 1)).toBe(tok.eos);
  expect(at(b.ceMask, p)).toBe(includeScore ? 1 : 0);
  expect(at(b.ceMask, p + 1)).toBe(1);
  // CE covers exactly the CoT + score-suffix targets and the EOS.
  let ones = 0;
  for (let t = 0; t < T; t++) ones += at(b.ceMask, t);
  expect(ones).toBe(s.scoreIndex - s.targetStart + 1 + (includeScore ? 1 : 0));
  expect(at(b.ceMask, s.targetStart - 2)).toBe(0); // the prompt is not trained on
  expect(at(b.ceMask, s.targetStart - 1)).toBe(1); // predicting the first CoT token
  for (let t = 0; t + 1 < s.ids.length; t++) {
    expect(at(b.inputIds, t)).toBe(s.ids[t]);
    expect(at(b.targets, t)).toBe(s.ids[t + 1]);
  }
  for (let t = s.ids.length - 1; t < T; t++) {
    expect(at(b.inputIds, t)).toBe(tok.pad);
    expect(at(b.ceMask, t)).toBe(0);
  }
  expect(b.labels[row]).toBeCloseTo(s.label, 6);
}

describe.each(TOKENIZERS)('building examples with %s', (_name, make) => {
  const tok = make();
  const lab = defaultLab();

  it('lays out BOS, prompt, CoT, score, EOS with exact spans', () => {
    for (const ex of lab.dev.slice(0, 40)) {
      const r = buildExample(ex, { tokenizer: tok, template: 'compact' });
      if (!r.ok) throw new Error(r.reason);
      const b = r.example;
      expect(b.ids[0]).toBe(tok.bos);
      expect(tok.decode(b.ids.slice(0, b.targetStart))).toBe(b.prompt);
      expect(tok.decode(b.ids.slice(b.targetStart, b.scoreIndex)).trim()).toBe(scorePrefix(referenceCot(ex)).trim());
      expect(b.ids[b.scoreIndex]).toBe(tok.scoreTokenIds()[ex.feedbackScore! - 1]);
      expect(b.ids[b.scoreIndex + 1]).toBe(tok.eos);
      expect(b.ids.length).toBe(b.scoreIndex + 2);
      expect(b.target).toBe(ex.feedback);
      expect(b.truncated).toBe(false);
    }
  });

  it('gives the CoT-RAIL read-out the same tokens as training, up to the score', () => {
    for (const ex of lab.dev.slice(0, 40)) {
      const r = buildExample(ex, { tokenizer: tok, template: 'compact' });
      if (!r.ok) throw new Error(r.reason);
      const prompt = encodePrompt(ex, tok, 'compact');
      const ro = readoutIds(prompt, referenceCot(ex), tok);
      expect(Array.from(ro.ids)).toEqual(Array.from(r.example.ids.slice(0, r.example.scoreIndex)));
      expect(ro.scorePosition).toBe(r.example.scoreIndex - 1);
    }
  });

  it('truncates the response and reference answer, never the CoT or the score', () => {
    const ex = long(lab.dev[0]!);
    const full = buildExample(ex, { tokenizer: tok, template: 'compact' });
    const budget = minimalLength(ex, tok) + 30;
    const r = buildExample(ex, { tokenizer: tok, template: 'compact', maxIds: budget });
    if (!r.ok || !full.ok) throw new Error('should fit');
    expect(full.example.ids.length).toBeGreaterThan(budget + 300);
    expect(r.example.truncated).toBe(true);
    expect(r.example.ids.length).toBeLessThanOrEqual(budget);
    expect(r.example.ids.length).toBeGreaterThan(budget - 12); // it keeps as much as fits
    expect(r.example.prompt).toContain(`Response: ${ex.response.slice(0, 10)}`);
    expect(r.example.prompt).toContain(TRUNCATION_MARK);
    expect(r.example.prompt).toContain(`Task: ${ex.instruction}\n`); // the instruction is untouched
    expect(Array.from(r.example.ids.slice(r.example.targetStart))).toEqual(Array.from(full.example.ids.slice(full.example.targetStart)));
  });

  it('cuts the instruction only when response and reference are already empty, and drops what cannot fit', () => {
    const ex = { ...long(lab.dev[1]!), instruction: 'Please ' + 'really '.repeat(100) + 'check.' };
    const tight = buildExample(ex, { tokenizer: tok, template: 'compact', maxIds: minimalLength(lab.dev[1]!, tok) + 12 });
    if (!tight.ok) throw new Error(tight.reason);
    expect(tight.example.prompt).toContain(`Response: ${TRUNCATION_MARK}\nReference: ${TRUNCATION_MARK}\n`);
    expect(tight.example.prompt).toMatch(/Task: Please really .*\.\.\.\n/);
    // The floor: every prompt field reduced to the truncation mark.
    const mark = TRUNCATION_MARK;
    const floor = buildExample({ ...ex, instruction: mark, response: mark, referenceAnswer: mark }, { tokenizer: tok, template: 'compact' });
    if (!floor.ok) throw new Error(floor.reason);
    const n = floor.example.ids.length;
    expect(buildExample(ex, { tokenizer: tok, template: 'compact', maxIds: n }).ok).toBe(true);
    const dropped = buildExample(ex, { tokenizer: tok, template: 'compact', maxIds: n - 1 });
    expect(dropped.ok).toBe(false);
    const promptBudget = encodePrompt({ ...ex, response: 'x', referenceAnswer: 'y' }, tok, 'compact').length + 20;
    const within = encodePromptWithin(ex, tok, 'compact', promptBudget);
    expect(within!.ids.length).toBeLessThanOrEqual(promptBudget);
    expect(within!.truncated).toBe(true);
  });

  it('packs [B, T] batches whose score positions are never truncated', () => {
    const examples = [...lab.dev.slice(0, 20), ...lab.dev.slice(20, 30).map(long)];
    // Room for the longest reference CoT: no CoT is cut, and T is tight for the prompts.
    const maxCotTokens = Math.max(...examples.map((ex) => tok.encode(referenceCot(ex)).length));
    const T = Math.max(...lab.dev.slice(0, 30).map((ex) => minimalLength(ex, tok))) + 20 + maxCotTokens;
    const set = prepareJudgeSequences(examples, { tokenizer: tok, template: 'compact', seqLen: T, maxCotTokens });
    expect(set.cotCut).toBe(0);
    expect(set.sequences.length + set.dropped.length).toBe(30);
    expect(set.truncated).toBeGreaterThanOrEqual(10);
    const seen: string[] = [];
    for (const b of judgeBatches(set.sequences, { batchSize: 8, seqLen: T, pad: tok.pad, seed: 3 })) {
      expect(b.inputIds.length).toBe(8 * T);
      b.ids.forEach((id, row) => {
        if (id === '') {
          expect(b.scorePositions[row]).toBe(-1);
          return;
        }
        seen.push(id);
        checkRow(b, row, set.sequences.find((s) => s.id === id)!, tok);
      });
    }
    expect(seen.sort()).toEqual(set.sequences.map((s) => s.id).sort());
  });
});

describe('packing details', () => {
  const tok = labTokenizer();
  const lab = defaultLab();
  const seqs = prepareJudgeSequences(lab.dev.slice(0, 3), { tokenizer: tok, template: 'compact', seqLen: 200, maxCotTokens: 64 }).sequences;

  it('puts the score token in CE only when asked, and fills missing rows', () => {
    const b = packJudgeBatch(seqs, { batchSize: 4, seqLen: 200, pad: tok.pad, includeScoreInCe: true });
    seqs.forEach((s, row) => checkRow(b, row, s, tok, true));
    expect(b.scorePositions[3]).toBe(-1);
    expect(b.labels[3]).toBe(0);
    expect(b.ids[3]).toBe('');
    expect(ceTargetCount(b)).toBe(seqs.reduce((n, s) => n + (s.scoreIndex - s.targetStart) + 2, 0));
    expect(() => packJudgeBatch(seqs, { batchSize: 2, seqLen: 200, pad: 0 })).toThrow(/3 sequences for a batch of 2/);
    expect(() => packJudgeBatch(seqs, { batchSize: 4, seqLen: 20, pad: 0 })).toThrow(/more than T \+ 1/);
  });

  it('knows the positions a batch uses and cuts it to them, row by row', () => {
    const b = packJudgeBatch(seqs, { batchSize: 4, seqLen: 200, pad: tok.pad });
    const longest = Math.max(...seqs.map((s) => s.scoreIndex));
    expect(usedLength(b)).toBe(longest + 1); // the EOS target sits at t = scoreIndex, after the score position scoreIndex − 1
    const cut = trimTrainBatch(b, longest + 3);
    expect(cut.seqLen).toBe(longest + 3);
    seqs.forEach((_s, row) => {
      for (let t = 0; t < cut.seqLen; t++) {
        expect(cut.inputIds[row * cut.seqLen + t]).toBe(b.inputIds[row * 200 + t]);
        expect(cut.targets[row * cut.seqLen + t]).toBe(b.targets[row * 200 + t]);
        expect(cut.ceMask[row * cut.seqLen + t]).toBe(b.ceMask[row * 200 + t]);
      }
    });
    expect(ceTargetCount(cut)).toBe(ceTargetCount(b));
    expect(Array.from(cut.scorePositions)).toEqual(Array.from(b.scorePositions));
    expect(trimTrainBatch(b, 200)).toBe(b);
    expect(() => trimTrainBatch(b, longest)).toThrow(/cannot cut a batch of 200 positions \(\d+ used\) to/);
    const empty = packJudgeBatch([], { batchSize: 2, seqLen: 200, pad: tok.pad });
    expect(usedLength(empty)).toBe(0);
  });

  it('trains label-only or on replacement CoTs (stage 2)', () => {
    const ex = lab.dev[0]!;
    const labelOnly = prepareJudgeSequences([ex], { tokenizer: tok, template: 'compact', seqLen: 200, maxCotTokens: 64, labelOnly: true }).sequences[0]!;
    expect(labelOnly.target).toBe(`So the overall score is ${ex.feedbackScore}`);
    const own = prepareJudgeSequences([ex], { tokenizer: tok, template: 'compact', seqLen: 200, maxCotTokens: 64, cots: new Map([[ex.id, 'My own reasoning.']]) }).sequences[0]!;
    expect(own.target).toBe(`My own reasoning. So the overall score is ${ex.feedbackScore}`);
  });

  it('shuffles deterministically by seed and epoch', () => {
    const a = shuffledOrder(100, 42, 0);
    expect(Array.from(shuffledOrder(100, 42, 0))).toEqual(Array.from(a));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual([...Array(100).keys()]);
    expect(Array.from(shuffledOrder(100, 42, 1))).not.toEqual(Array.from(a));
    expect(Array.from(shuffledOrder(100, 43, 0))).not.toEqual(Array.from(a));
    const order = (seed: number) => [...judgeBatches(seqs, { batchSize: 1, seqLen: 200, pad: 0, seed })].map((b) => b.ids[0]);
    expect(order(5)).toEqual(order(5));
    expect(new Set(order(5))).toEqual(new Set(seqs.map((s) => s.id)));
    expect([...judgeBatches(seqs, { batchSize: 2, seqLen: 200, pad: 0, seed: 1, dropLast: true })]).toHaveLength(1);
  });

  it('packs language-model windows over instruction, response and reference text only', () => {
    const texts = lmTexts(lab.dev.slice(0, 30));
    expect(texts).toHaveLength(90);
    expect(texts.some((t) => t.includes('So the overall'))).toBe(false);
    expect(lmTexts(lab.dev, { unique: true }).length).toBeLessThan(lmTexts(lab.dev).length);
    const stream = lmTokenStream(texts, tok);
    const T = 64;
    const batches = [...lmBatches(stream, { batchSize: 4, seqLen: T, pad: tok.pad, seed: 9 })];
    const windows = lmWindowCount(stream.length, T);
    const starts: number[] = [];
    for (const b of batches) {
      for (let row = 0; row < 4; row++) {
        if (b.ceMask[row * T] === 0) continue;
        const first = b.inputIds.slice(row * T, row * T + T);
        const w = Array.from({ length: windows }, (_, k) => k).find((k) => first.every((x, t) => x === stream[k * T + t]) && b.targets[row * T + T - 1] === stream[k * T + T])!;
        expect(w).toBeDefined();
        starts.push(w);
        for (let t = 0; t + 1 < T; t++) expect(b.targets[row * T + t]).toBe(b.inputIds[row * T + t + 1]);
      }
    }
    expect(starts.sort((x, y) => x - y)).toEqual([...Array(windows).keys()]);
    expect(stream[0]).toBe(tok.bos);
  });
});

describe('real data with the llama2.c tokenizer', () => {
  it('fits mt_bench into T = 2048 with the Prometheus template, cutting prompts, never scores', async () => {
    // tok512 (TinyStories) needs ~580 tokens for the Prometheus boilerplate alone and the GPT-4
    // feedbacks run to ~400, so T = 512 or 1024 would drop every row.
    const tok = tok512();
    const r = await loadJudgeData(readFileSync(MT_BENCH, 'utf8'), { file: MT_BENCH });
    const T = 2048;
    // Room for 512 CoT tokens (the feedbacks run to ~400; a longer one is cut to 512).
    const set = prepareJudgeSequences(r.examples, { tokenizer: tok, template: 'prometheus', seqLen: T, maxCotTokens: 512 });
    expect(set.sequences.length + set.dropped.length).toBe(320);
    expect(set.truncated).toBeGreaterThan(100);
    for (const d of set.dropped) expect(d.reason).toMatch(/does not fit in 2049/);
    for (const s of set.sequences) {
      expect(s.ids.length - 1).toBeLessThanOrEqual(T);
      expect(s.ids[s.scoreIndex]).toBe(tok.scoreTokenIds()[s.scoreDigit - 1]);
      expect(tok.decode(s.ids.slice(s.targetStart, s.scoreIndex)).trim()).toBe(scorePrefix(s.cot).trim());
    }
    const b = packJudgeBatch(set.sequences.slice(0, 4), { batchSize: 4, seqLen: T, pad: tok.pad });
    set.sequences.slice(0, 4).forEach((s, row) => checkRow(b, row, s, tok));
  });
});
