// Our BPE: trained on Rubric Lab, round trip on the whole data set, identical ids from
// @huggingface/tokenizers loading the saved tokenizer.json, and the score-token invariant.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import {
  BpeTokenizer,
  SCORE_PROMPT_SUFFIX,
  allExamples,
  bpeFromTokenizerJson,
  exampleTexts,
  huggingfaceTokenizer,
  tokenizerFromDescription,
  tokenizerFromJson,
  trainBpe,
  trainRubricLabTokenizer,
} from '../../src/data/index.ts';
import { defaultLab, labTokenizer } from './shared.ts';

const ODD_TEXTS = ['héllo wörld – 3€ 😀', '  leading and trailing  ', 'tabs\tand\r\nnewlines\n\n\n', '\uFEFFbom', 'x'.repeat(3000), '12345 67.89', ''];

describe('BPE tokenizer trained on Rubric Lab', () => {
  const lab = defaultLab();
  const tok = labTokenizer();
  const texts = allExamples(lab).flatMap((ex) => exampleTexts(ex, 'compact'));

  it('has the requested vocabulary size and explicit specials', () => {
    expect(tok.vocabSize).toBe(1024);
    expect([tok.pad, tok.bos, tok.eos]).toEqual([0, 1, 2]);
    expect(tok.kind).toBe('bpe');
  });

  it('is deterministic: training twice gives the same merges', () => {
    const again = trainRubricLabTokenizer(lab.train, { vocabSize: 1024 });
    expect(again.merges).toEqual(tok.merges);
    expect(again.describe().fingerprint).toBe(tok.describe().fingerprint);
  });

  it('round-trips every text of the built-in data set (all splits, prompts and targets)', () => {
    let mismatches = 0;
    for (const t of texts) if (tok.decode(tok.encode(t, { bos: true, eos: true })) !== t) mismatches++;
    expect(mismatches).toBe(0);
    expect(texts.length).toBe(2 * 2700);
    for (const t of ODD_TEXTS) expect(tok.decode(tok.encode(t))).toBe(t);
  });

  it('compresses the domain: a compact example is 60–260 tokens (stepwise CoTs)', () => {
    const lengths = allExamples(lab).map((ex) => exampleTexts(ex, 'compact').reduce((n, t) => n + tok.encode(t).length, 2));
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(260);
  });

  it('@huggingface/tokenizers gives identical ids from the saved tokenizer.json, on the whole data set', () => {
    const json = JSON.parse(JSON.stringify(tok.toTokenizerJson())); // as written to and read from disk
    const hf = new HfTokenizer(json, {});
    const diffs: string[] = [];
    for (const t of [...texts, ...ODD_TEXTS]) {
      const ours = tok.encode(t);
      const theirs = t === '' ? [] : hf.encode(t, { add_special_tokens: false }).ids;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) diffs.push(t);
    }
    expect(diffs).toEqual([]);
    // Its default post-processor adds BOS, like encode(t, {bos: true}).
    expect(hf.encode('Task: What is 2 + 2?').ids).toEqual(tok.encode('Task: What is 2 + 2?', { bos: true }));
    expect(hf.decode(tok.encode(texts[0]!), { clean_up_tokenization_spaces: false })).toBe(texts[0]);
  });

  it('differs from @huggingface/tokenizers only where a text spells a special token (ours keeps it as text)', () => {
    const t = 'say <|eos|> now';
    const hf = new HfTokenizer(tok.toTokenizerJson(), {});
    expect(tok.encode(t)).not.toContain(tok.eos);
    expect(hf.encode(t, { add_special_tokens: false }).ids).toContain(tok.eos);
  });

  it('comes back from its tokenizer.json and from its checkpoint description', () => {
    const back = bpeFromTokenizerJson(JSON.parse(JSON.stringify(tok.toTokenizerJson())));
    expect(back.merges).toEqual(tok.merges);
    expect(tokenizerFromJson(tok.toTokenizerJson())).toBeInstanceOf(BpeTokenizer);
    const desc = JSON.parse(JSON.stringify(tok.describe()));
    expect(tokenizerFromDescription(desc).encode(texts[5]!)).toEqual(tok.encode(texts[5]!));
    expect(() => tokenizerFromDescription({ ...desc, fingerprint: '0' })).toThrow(/fingerprint/);
    const broken = tok.toTokenizerJson();
    broken.model.merges[3] = ['zz', 'q'];
    expect(() => bpeFromTokenizerJson(broken)).toThrow(/merge 3: token "zz" is not in the vocabulary/);
  });

  it('keeps the score-token invariant for 512, 1024 and 2048 tokens', () => {
    for (const vocabSize of [512, 1024, 2048]) {
      const t = vocabSize === 1024 ? tok : trainRubricLabTokenizer(lab.train, { vocabSize });
      const ids = t.scoreTokenIds();
      expect(ids.map((id) => t.decode([id]))).toEqual(['1', '2', '3', '4', '5']);
      for (const ex of lab.dev.slice(0, 50)) {
        const prefix = ex.feedback!.split(' So the overall')[0]!;
        const head = t.encode(prefix + SCORE_PROMPT_SUFFIX);
        ids.forEach((id, k) => expect(t.encode(prefix + SCORE_PROMPT_SUFFIX + (k + 1))).toEqual([...head, id]));
      }
    }
  });

  it('streams token by token, holding back split UTF-8 characters', () => {
    const t = trainBpe(['abc'], { vocabSize: 300 });
    const text = 'naïve 😀 done';
    const dec = t.streamDecoder();
    const parts = t.encode(text).map((id) => dec.push(id));
    expect(parts.join('') + dec.flush()).toBe(text);
    expect(parts.some((p) => p.includes('\uFFFD'))).toBe(false);
  });

  it('trains in well under the time budget and stops when no pair repeats', () => {
    const tiny = trainBpe(['ab ab ab', 'cd'], { vocabSize: 2048 });
    expect(tiny.vocabSize).toBeLessThan(300); // only a few pairs occur twice
    expect(() => trainBpe([], { vocabSize: 100 })).toThrow(/vocabSize must be an integer in 259/);
  });

  it('loads through the generic Hugging Face wrapper too (constructor c)', () => {
    const hf = huggingfaceTokenizer(tok.toTokenizerJson(), {}, { name: 'ours-via-hf' });
    expect([hf.bos, hf.eos, hf.pad]).toEqual([1, 2, 0]);
    expect(hf.vocabSize).toBe(1024);
    expect(hf.scoreTokenIds()).toEqual(tok.scoreTokenIds());
    const sample = texts[7]!;
    expect(hf.encode(sample, { bos: true, eos: true })).toEqual(tok.encode(sample, { bos: true, eos: true }));
    expect(hf.decode(hf.encode(sample, { bos: true }))).toBe(sample);
    const dec = hf.streamDecoder();
    const streamed = hf.encode('naïve 😀 ' + sample).map((id) => dec.push(id)).join('') + dec.flush();
    expect(streamed).toBe('naïve 😀 ' + sample);
    const noSpecials = tok.toTokenizerJson();
    noSpecials.added_tokens = [];
    for (const s of ['<|pad|>', '<|bos|>', '<|eos|>']) delete noSpecials.model.vocab[s];
    expect(() => huggingfaceTokenizer(noSpecials, {})).toThrow(/no end-of-sequence token/);
    expect(huggingfaceTokenizer(noSpecials, {}, { eos: 3 }).bos).toBe(3); // BOS falls back to EOS
  });
});
