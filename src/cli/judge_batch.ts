// `tract judge --input rows --out graded.jsonl`: grade a file of rows (labels optional), one JSON line
// per row in input order, resumable (src/cli/resumable_out.ts). Rows go to the GPU a chunk at a
// time — each chunk one batched Judge call, then its lines appended and flushed — so an interrupted
// run loses at most the chunk in flight. Prompts are fit exactly as single-row `tract judge` fits
// them (cut to the budget when longer), so each line's ŷ is the one `tract judge --greedy` prints.
import { hash32 } from '../data/index.ts';
import { numberFlag } from './args.ts';
import { InputError } from './errors.ts';
import { judgeOptions, setupJudge, type JudgeFlags } from './judge_setup.ts';
import { judgeRange, planPrompts } from '../eval/file_rows.ts';
import { loadJudgeRows, openJudge } from './judge_file.ts';
import { outputFile, writeFileAtomic } from './paths.ts';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { JudgeSetup } from './judge_setup.ts';
import { ProgressBar } from './progress.ts';
import { openResumable } from './resumable_out.ts';

/**
 * What decides an output line's ŷ besides the row: the model (a hash of its config and parameters)
 * and the judging settings. Kept beside the output (`<out>.judge.json`) so that a rerun refuses to
 * append another model's or other settings' grades to it.
 */
function gradingKey(s: JudgeSetup): Record<string, unknown> {
  const p = s.loaded.params;
  const model = createHash('sha256').update(JSON.stringify(s.loaded.config)).update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).digest('hex').slice(0, 16);
  const f = s.flags;
  return { model, template: f.template, nCot: f.nCot, greedy: f.greedy, seed: f.greedy ? null : f.seed, repetitionPenalty: f.repetitionPenalty, renormalize: f.renormalize, maxCotTokens: s.cot.maxCotTokens, promptCotTokens: s.cot.promptCotTokens };
}

/** Refuses to continue `out` with other settings than it was started with; records them for a new output. */
async function checkGradingKey(keyPath: string, shown: string, key: Record<string, unknown>, resuming: boolean, checkpoint: string): Promise<void> {
  if (resuming && existsSync(keyPath)) {
    const was = JSON.parse(await readFile(keyPath, 'utf8')) as Record<string, unknown>;
    const differ = Object.keys(key).filter((k) => JSON.stringify(was[k]) !== JSON.stringify(key[k]));
    if (differ.length) {
      const what = differ.map((k) => (k === 'model' ? `the model (${String(was.checkpoint ?? 'another checkpoint')} then, ${checkpoint} now: different weights)` : `${k} ${JSON.stringify(was[k])} then, ${JSON.stringify(key[k])} now`)).join('; ');
      throw new InputError(`${shown} was started with other settings than this run's: ${what}. Its lines would mix two judges: rerun with the same checkpoint and flags, or choose another --out`, { where: { file: shown } });
    }
    return;
  }
  if (resuming) console.error(`warning: ${shown} has no record of the model and settings it was started with (${keyPath}); continuing without checking them`);
  await writeFileAtomic(keyPath, JSON.stringify({ ...key, checkpoint }, null, 2) + '\n');
}

export async function judgeBatch(flags: JudgeFlags, o: { input: string; out: string; batch?: string; limit?: string; json: boolean }): Promise<number> {
  const batch = numberFlag('batch', o.batch, 64, { integer: true, min: 1, max: 1024 });
  const limit = numberFlag('limit', o.limit, Infinity, { integer: true, min: 0 });
  const outPath = await outputFile(o.out, '--out');
  const rows = await loadJudgeRows(o.input, '--input');
  // A rejected row would leave a hole the output could not line up with: nothing is judged.
  if (rows.rejected > 0 || rows.fatal) {
    throw new InputError(`${o.input}: ${rows.rejected} row${rows.rejected === 1 ? '' : 's'} rejected${rows.fatal ? ' and reading stopped early' : ''}; nothing was judged (fix or drop ${rows.rejected === 1 ? 'it' : 'them'}: the output lines up with the input row by row)`, { where: { file: o.input }, issues: rows.issues });
  }
  for (const w of rows.warnings) console.error(`warning: ${o.input}: ${w}`);
  const ids = rows.examples.map((e) => e.id);
  const out = await openResumable(outPath, o.out, ids);
  const n = ids.length;
  const start = out.done;
  const stop = Math.min(n, start + limit);
  if (out.dropped) console.error(`${o.out}: dropped a torn last line (${out.dropped} bytes) from an interrupted run; row ${start + 1} is judged again`);
  if (start > 0) console.error(`${o.out}: ${start} of ${n} rows already judged; continuing`);
  let cut = 0;
  let unfit = 0;
  let failed = 0;
  try {
    if (start < stop) {
      const s = await setupJudge(flags);
      await checkGradingKey(`${outPath}.judge.json`, `${o.out}`, gradingKey(s), start > 0, flags.checkpoint);
      // Prompts longer than the budget are cut to it, as single-row judging cuts them.
      const plans = planPrompts(rows.examples, s.tokenizer, flags.template, s.rule, s.budget);
      const { judge, destroy } = await openJudge(s, batch);
      const bar = new ProgressBar();
      bar.begin('judging');
      // A chunk holds several batches, so that prompts of equal length can share one.
      const chunk = Math.max(1, Math.floor((4 * batch) / flags.nCot));
      try {
        for (let from = start; from < stop; from += chunk) {
          const to = Math.min(stop, from + chunk);
          // Sampled CoTs: each chunk its own seed, from --seed and its first row (greedy ignores it).
          const options = { ...judgeOptions(s, { seed: hash32(`${flags.seed}/${from}`) }), onProgress: (d: number) => d < to - from && bar.update(from - start + d, stop - start) };
          const lines = await judgeRange(judge, s.budget, rows, plans, { from, to }, options);
          await out.append(lines.map((l) => JSON.stringify(l)));
          for (const l of lines) {
            if (l.skipped === 'unfit') unfit++;
            else if (l.error) failed++;
            else if ('cut' in l.prompt && l.prompt.cut) cut++;
          }
          bar.update(to - start, stop - start);
        }
      } finally {
        destroy();
      }
      bar.end(`judged rows ${start + 1}..${stop} of ${n} in ${o.out}`);
    }
  } finally {
    await out.close();
  }
  const summary = { input: o.input, out: o.out, rows: n, written: stop, judgedNow: stop - start, resumedAt: start, droppedTornBytes: out.dropped, complete: stop === n, promptsCut: cut, unfit, failed };
  if (cut) console.error(`warning: ${cut} prompt${cut === 1 ? ' was' : 's were'} cut to fit the context (prompt.cut in their lines)`);
  if (unfit) console.error(`warning: ${unfit} row${unfit === 1 ? '' : 's'} could not fit even with an emptied prompt: not scored (skipped: "unfit")`);
  if (failed) console.error(`error: ${failed} row${failed === 1 ? '' : 's'} got no finite score (error in their lines)`);
  if (stop < n) console.error(`stopped after ${stop} of ${n} rows (--limit); rerun the same command to continue`);
  if (o.json) console.log(JSON.stringify(summary));
  else console.log(`${o.out}: ${stop} of ${n} rows judged${stop < n ? ' (rerun to continue)' : ''}`);
  return failed ? 1 : 0;
}
