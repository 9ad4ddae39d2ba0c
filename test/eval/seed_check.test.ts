// checkSeedModel: a seed's flat buffer is the layout's padded size, so a model whose dim is not a
// multiple of the alignment (size > count) is accepted, and a wrong length is refused by name.
import { describe, expect, it } from 'vitest';
import { checkSeedModel } from '../../src/eval/experiment.ts';
import { buildLayout } from '../../src/model/layout.ts';
import { makeConfig } from '../../src/model/config.ts';
import { defaultLab } from '../data/shared.ts';
import { trainRubricLabTokenizer } from '../../src/data/index.ts';

describe('checkSeedModel', () => {
  const tokenizer = trainRubricLabTokenizer(defaultLab().train.slice(0, 300), { vocabSize: 384 });
  const config = makeConfig({ dim: 48, hiddenDim: 96, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tokenizer.vocabSize, seqLen: 64 });
  const layout = buildLayout(config);

  it('accepts the padded flat buffer of a dim-48 model (size ≠ count)', () => {
    expect(layout.size).toBeGreaterThan(layout.count);
    expect(() => checkSeedModel({ name: 'm48', config, params: new Float32Array(layout.size), tokenizer })).not.toThrow();
  });

  it('refuses a buffer of the wrong length, naming the model and both sizes', () => {
    expect(() => checkSeedModel({ name: 'm48', config, params: new Float32Array(layout.count), tokenizer })).toThrow(
      new RegExp(`seed model m48: a flat buffer of ${layout.count} floats, its config needs ${layout.size}`),
    );
  });

  it('refuses a tokenizer whose vocabulary differs from the model', () => {
    const other = makeConfig({ ...config, vocabSize: tokenizer.vocabSize + 1 });
    expect(() => checkSeedModel({ name: 'mv', config: other, params: new Float32Array(buildLayout(other).size), tokenizer })).toThrow(/tokenizer .* has \d+ tokens but the model's vocabulary is/);
  });
});
