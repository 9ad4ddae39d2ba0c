// `tract data …` run as a user runs it: node bin/tract.mjs in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { fitJudgePrompt, promptBudget, toTractJsonl } from '../../src/data/index.ts';
import { DEFAULT_CONFIG } from '../../src/eval/config.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { MT_BENCH, REPO_ROOT, TOK512, defaultLab, labTokenizer } from './shared.ts';

function tract(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'tract.mjs'), 'data', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tract data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tract-data-'));

  it('inspect --json reports mt_bench_eval.json', () => {
    const r = tract('inspect', MT_BENCH, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.accepted, j.rejected, j.errors]).toEqual([320, 0, []]);
    expect(j.labels.mean).toBeCloseTo(3.4885, 3);
    expect(j.sources).toEqual({ 'prometheus-bench': 320 });
    expect(j.tokens.template).toBe('prometheus');
    expect(j.tokens.total.count).toBe(320);
    expect(j.tokens.total.p50).toBeGreaterThan(j.tokens.prompt.p50);
  });

  it('inspect prints text with a chosen tokenizer and template', () => {
    const r = tract('inspect', MT_BENCH, '--tokenizer', TOK512, '--template', 'compact');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rows:      320 accepted, 0 rejected');
    expect(r.stdout).toContain('tok512.bin (llama2c, 512), template compact');
    expect(r.stdout).toMatch(/labels:\s+mean 3\.4885/);
  });

  it('rubric-lab writes JSONL with the split in each row, and a tokenizer.json', () => {
    const out = join(dir, 'rl.jsonl');
    const tok = join(dir, 'tokenizer.json');
    const r = tract('rubric-lab', '--seed', '5', '--out', out, '--train', '40', '--dev', '10', '--test', '20', '--tokenizer-out', tok, '--vocab-size', '600');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote 70 rows to ${out} (train 40, dev 10, test 20; seed 5)`);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.split)).toEqual([...Array(40).fill('train'), ...Array(10).fill('dev'), ...Array(20).fill('test')]);
    expect(rows[0]).toMatchObject({ source: 'rubric-lab', rubric: { criteria: expect.any(String) }, scores: expect.any(Array), meta: { family: expect.any(String) } });
    const hf = new HfTokenizer(JSON.parse(readFileSync(tok, 'utf8')), {});
    expect(hf.get_vocab().size).toBe(600);
    const again = tract('inspect', out);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('rows:      70 accepted, 0 rejected');
    expect(again.stdout).toContain('splits:    train 40, dev 10, test 20');
    expect(again.stdout).toContain('template compact');
  });

  it('reports bad rows with file and line, and fails when none is usable', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"instruction": 1}\nnot json\n');
    const r = tract('inspect', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('rows:      0 accepted, 2 rejected');
    expect(r.stdout).toContain(`${bad}:1 (row 0) instruction: expected a non-empty string, got the number 1`);
    expect(r.stdout).toContain(`${bad}:2 (row 1) (row): invalid JSON`);
  });

  it('refuses a file over --max-bytes and samples token lengths with --token-rows', () => {
    const big = tract('inspect', MT_BENCH, '--max-bytes', '1000');
    expect(big.code).toBe(1);
    expect(big.stdout).toContain('0 accepted, 0 rejected  (reading stopped early');
    expect(big.stdout).toContain('over the size limit of 1000 bytes');
    const some = JSON.parse(tract('inspect', MT_BENCH, '--json', '--token-rows', '7').stdout);
    expect([some.accepted, some.tokens.total.count]).toEqual([320, 7]);
  });

  it('inspect measures the prompts under the prompt-fit rule (the default run\'s, or --seq-len / --prompt-cot-tokens) and --show prints one as a judge sees it', () => {
    const tok = labTokenizer();
    const rows = defaultLab().test.slice(0, 30);
    const long = { ...rows[0], id: 'long-one', response: `${rows[0].response} ${'and more words '.repeat(40)}`.trim() };
    const file = join(dir, 'fit.jsonl');
    writeFileSync(file, [...rows, long].map(toTractJsonl).join('\n') + '\n');

    // Default: the default run's rule — the shipped base's context (what tract run fine-tunes), the longest CoT.
    const base = join(REPO_ROOT, 'public', 'base', 'base.safetensors');
    const seqLen = existsSync(base) ? loadCheckpoint(readFileSync(base)).config.seqLen : DEFAULT_CONFIG.model.seqLen;
    const room = Math.max(DEFAULT_CONFIG.selfCot.maxTokens, DEFAULT_CONFIG.eval.maxCotTokens);
    const d = JSON.parse(tract('inspect', file, '--json').stdout).tokens.promptFit;
    expect(d).toMatchObject({ seqLen, maxCotTokens: room, budget: promptBudget(tok, { seqLen, maxCotTokens: room }), rows: 31 });

    // A rule that cuts: the counts are the rule's, and --show gives exactly the fitted prompt.
    const fit = { seqLen: 200, maxCotTokens: 110 };
    const fitted = [...rows, long].map((e) => fitJudgePrompt(e, tok, 'compact', fit));
    const r = JSON.parse(tract('inspect', file, '--json', '--seq-len', '200', '--prompt-cot-tokens', '110', '--show', 'long-one').stdout);
    expect(r.tokens.promptFit).toMatchObject({
      ...fit,
      budget: promptBudget(tok, fit),
      cut: fitted.filter((f) => f?.truncated).length,
      dropped: fitted.filter((f) => !f).length,
      source: 'seqLen from --seq-len, room from --prompt-cot-tokens',
    });
    expect(r.tokens.promptFit.cut).toBeGreaterThan(0);
    expect(r.shown).toMatchObject({ id: 'long-one', fits: true, truncated: true, prompt: fitted[30]!.prompt, promptIds: fitted[30]!.ids.length });
    const text = tract('inspect', file, '--seq-len', '200', '--prompt-cot-tokens', '110', '--show', '#30');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/prompt fit: seqLen 200, CoT room 110 → at most \d+ prompt ids \(seqLen from --seq-len, room from --prompt-cot-tokens\): \d+ of 31 prompts cut/);
    expect(text.stdout).toContain(`example long-one as a judge sees it: prompt ${fitted[30]!.ids.length} ids, CUT to fit`);
    expect(text.stdout).toContain(`--- prompt ---\n${fitted[30]!.prompt}\n--- target ---`);
    expect(tract('inspect', file, '--show', 'nope').stderr).toMatch(/--show: no accepted row with id 'nope'/);
  });

  const usage: [string, string[], number, RegExp][] = [
    ['no subcommand', [], 2, /a subcommand is required/],
    ['unknown subcommand', ['frobnicate'], 2, /unknown subcommand 'frobnicate'/],
    ['inspect without a file', ['inspect'], 2, /exactly one file, got 0/],
    ['inspect with an unknown flag', ['inspect', MT_BENCH, '--bogus'], 2, /Unknown option '--bogus'/],
    ['inspect with a bad template', ['inspect', MT_BENCH, '--template', 'fancy'], 2, /--template must be prometheus, compact or auto/],
    // A file that is not there is a usage error (2), as for every flag's file; a file that is there
    // but rejected exits 1.
    ['inspect a missing file', ['inspect', '/nonexistent/x.json'], 2, /inspect: no such file '\/nonexistent\/x.json'/],
    ['inspect a directory', ['inspect', '/tmp'], 2, /'\/tmp' is a folder; give a file/],
    ['inspect with a missing tokenizer', ['inspect', MT_BENCH, '--tokenizer', '/nope.bin'], 2, /--tokenizer: no such file/],
    ['rubric-lab without --out', ['rubric-lab'], 2, /--out <file.jsonl> is required/],
    ['rubric-lab with a bad size', ['rubric-lab', '--out', '/tmp/x.jsonl', '--train', 'many'], 2, /--train expects an integer, got 'many'/],
    ['rubric-lab into a missing directory', ['rubric-lab', '--out', '/nonexistent/dir/x.jsonl'], 2, /--out: folder '\/nonexistent\/dir' does not exist/],
  ];
  for (const [name, args, code, message] of usage) {
    it(`fails clearly: ${name}`, () => {
      const r = tract(...args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      if (code === 2) expect(r.stderr).toContain('usage: tract data');
    });
  }
});
