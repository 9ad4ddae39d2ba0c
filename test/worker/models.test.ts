// Which tokenizer a checkpoint opened in the Model view gets: its own when the checkpoint holds it
// (our BPE), else the file opened with it — and only the very tokenizer it was trained with.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkTokenizerMatches, descriptionHoldsTokenizer, generateRubricLab, llama2cTokenizerFromBytes, trainRubricLabTokenizer } from '../../src/data/index.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { modelFromFiles } from '../../src/worker/models.ts';
import { loadStories, STORIES_DIR } from '../helpers/stories.ts';

const stories = loadStories();
const tok512 = { name: 'tok512.bin', bytes: new Uint8Array(readFileSync(new URL('tok512.bin', STORIES_DIR))) };
const storiesTokenizer = () => llama2cTokenizerFromBytes(tok512.bytes, { name: 'tok512.bin' });
const bpe = trainRubricLabTokenizer(generateRubricLab({ seed: 1, train: 200, dev: 0, test: 0 }).train, { vocabSize: 512 });
const ckpt = (tokenizer: unknown) => ({ name: 'judge.safetensors', bytes: saveCheckpoint({ config: stories.config, params: stories.params, tokenizer }) });

describe('a checkpoint and its tokenizer', () => {
  it('only our BPE is held in a description; a mismatch names both sides', () => {
    expect(descriptionHoldsTokenizer(bpe.describe())).toBe(true);
    expect(descriptionHoldsTokenizer(storiesTokenizer().describe())).toBe(false);
    expect(() => checkTokenizerMatches(storiesTokenizer(), storiesTokenizer().describe(), 'tok512.bin', 'm')).not.toThrow();
    expect(() => checkTokenizerMatches(bpe, storiesTokenizer().describe(), 'my.json', 'judge.safetensors')).toThrow(
      /^my\.json is not the tokenizer judge\.safetensors was trained with \(tok512\.bin, fingerprint [0-9a-f]+\)$/,
    );
  });

  it('a checkpoint trained with tok512.bin asks for it, takes it, and refuses another tokenizer', () => {
    const alone = modelFromFiles([ckpt(storiesTokenizer().describe())]);
    expect(alone.tokenizer).toBeNull();
    expect(alone.summary.judge).toEqual({ ok: false, reason: expect.stringMatching(/trained with the tokenizer tok512\.bin.*open tok512\.bin together with it/) });
    const withTok = modelFromFiles([ckpt(storiesTokenizer().describe()), tok512]);
    expect(withTok.summary).toMatchObject({ tokenizer: 'tok512.bin', judge: { ok: true } });
    expect(() => modelFromFiles([ckpt(bpe.describe()), tok512])).toThrow(/tok512\.bin is not the tokenizer judge\.safetensors was trained with/);
  });

  it('a checkpoint holding our BPE brings it along', () => {
    const m = modelFromFiles([ckpt(bpe.describe())]);
    expect(m.tokenizer?.describe().fingerprint).toBe(bpe.describe().fingerprint);
    expect(m.summary.judge.ok).toBe(true);
  });
});
