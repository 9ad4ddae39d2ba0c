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
import { outputFile } from './paths.ts';
import { ProgressBar } from './progress.ts';
import { openResumable } from './resumable_out.ts';

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
