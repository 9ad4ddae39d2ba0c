// What a pretrained base can do, measured: for dev documents of the procedural corpus (never
// trained on), give the base each document's question (up to where the worked solution starts),
// decode greedily, and count per kind how often it writes the whole solution exactly and how often
// its final answer (the last number) is right. The judge's CoTs need the same look-ups — copying
// operands from the prompt — so this is the base's fitness for TRACT before any fine-tuning.
//
//   XDG_RUNTIME_DIR=/tmp npx tsx --import ./scripts/raw-hooks.mjs scripts/base-probe.ts <base.safetensors> [perKind=20] [corpusSeed=1]
//
// Prints one line per kind and a JSON line with the totals.
import { requestGpu } from '../src/gpu/index.ts';
import { Generator } from '../src/infer/generate.ts';
import { DeviceModel } from '../src/model/device_model.ts';
import { Rng } from '../src/model/rng.ts';
import { CORPUS_KINDS, corpusDocument, type CorpusKind } from '../src/data/procedural/corpus.ts';
import { createRng } from '../src/data/rng.ts';
import { loadModelFile, tokenizerForModel } from '../src/cli/files.ts';

/** Where the question ends and the worked solution begins, per kind. */
const SPLIT_AFTER: Record<CorpusKind, string> = {
  addition: '. ',
  subtraction: '. ',
  compare: ': ',
  distance: '? ',
  counting: '? ',
  limit: '? ',
  position: ': ',
};

const lastNumber = (s: string) => s.match(/\d+(?!.*\d)/s)?.[0] ?? '';

async function main() {
  const [file, perKindArg, seedArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: base-probe.ts <base.safetensors> [perKind] [corpusSeed]');
  const perKind = Number(perKindArg ?? 20);
  const corpusSeed = Number(seedArg ?? 1);
  const loaded = await loadModelFile(file);
  const tokenizer = await tokenizerForModel(loaded, file);
  const gpu = await requestGpu();
  const model = new DeviceModel(gpu, loaded.config);
  model.upload(loaded.params);
  const gen = new Generator(model, 1, loaded.config.seqLen);
  const totals = { n: 0, exact: 0, answer: 0 };
  const perKindOut: Record<string, { n: number; exact: number; answer: number; example: string }> = {};
  for (const kind of CORPUS_KINDS) {
    const row = { n: 0, exact: 0, answer: 0, example: '' };
    for (let i = 0; i < perKind; i++) {
      // Probe documents come from their own stream, apart from the train and dev rows.
      const doc = corpusDocument(createRng(corpusSeed, `base-probe/${kind}/${i}`), kind);
      // Cut before the delimiter's space: the tokenizer joins a space to the word after it.
      const cut = doc.text.indexOf(SPLIT_AFTER[kind]) + SPLIT_AFTER[kind].length - 1;
      const question = doc.text.slice(0, cut);
      const truth = doc.text.slice(cut);
      const prompt = tokenizer.encode(question, { bos: true });
      const room = Math.min(loaded.config.seqLen - prompt.length, tokenizer.encode(truth).length + 8);
      const r = await gen.generate([prompt], { temperature: 0, topP: 1, repetitionPenalty: 1, maxNewTokens: room, rng: new Rng(0), stopTokens: [tokenizer.eos] });
      const ids = r.tokens[0]!.filter((t) => t !== tokenizer.eos);
      const out = tokenizer.decode(ids);
      row.n++;
      if (out.trim() === truth.trim()) row.exact++;
      if (lastNumber(out) === lastNumber(truth)) row.answer++;
      if (i === 0) row.example = `${question}⟶ ${out}`;
    }
    perKindOut[kind] = row;
    totals.n += row.n;
    totals.exact += row.exact;
    totals.answer += row.answer;
    console.log(`${kind.padEnd(12)} exact ${row.exact}/${row.n}  answer ${row.answer}/${row.n}   e.g. ${row.example.slice(0, 160)}`);
  }
  console.log(JSON.stringify({ file, perKind, corpusSeed, ...totals, kinds: perKindOut }));
  gen.destroy();
  model.destroy();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
