// The GPU check's results against issue 13's GPU targets, as Markdown: one line per target (the
// figure, the target, met or not) and the README benchmark table's row. scripts/gpu-check.sh runs it
// last (its output ends the check's stdout, which is what the device tool returns) and keeps it as
// summary.md; it also runs alone on a results folder brought back:
//   node scripts/gpu-summary.mjs <results.jsonl> [machine name for the table row]
// Plain Node, no imports beyond node:fs: it runs from the bundle on a bare machine.
import { readFileSync } from 'node:fs';

const [file, machine = 'this machine'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node gpu-summary.mjs <results.jsonl> [machine name]');
  process.exit(2);
}
let text;
try {
  text = readFileSync(file, 'utf8');
} catch (e) {
  console.error(`gpu-summary: cannot read ${file}: ${e.message}`);
  process.exit(2);
}
const lines = [];
text.split('\n').forEach((l, i) => {
  if (!l.trim()) return;
  try {
    lines.push(JSON.parse(l));
  } catch {
    console.error(`gpu-summary: ${file} line ${i + 1} is not JSON; skipped`);
  }
});
const results = (step) => lines.filter((l) => l.step === step && l.result).map((l) => l.result);
const status = (step) => lines.find((l) => l.step === step && l.status)?.status ?? 'not run';
const head = lines.find((l) => l.check) ?? {};
const adapter = results('info')[0]?.adapter ?? 'no adapter';
const fmt = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');

/** One target: its figure (null when not measured), how it compares, and what was measured. */
const rows = [];
function target(name, value, goal, better, what, atTargetShape = true) {
  const met = value === null ? 'not measured' : !atTargetShape ? 'not at the target size' : (better === 'higher' ? value >= goal : value <= goal) ? 'met' : 'missed';
  rows.push({ name, value, goal, better, what, met });
}

const mm = results('matmul').filter((r) => r.size && r.gflops);
const largest = (dtype) => mm.filter((r) => r.dtype === dtype).sort((a, b) => b.size - a.size)[0];
const f32 = largest('f32');
const f16 = largest('f16');
const sizeNote = (r) => (r ? `${r.size}³, ${r.kernel}${r.size === 4096 ? '' : ' (the target is at 4096³)'}` : `bench matmul: ${status('matmul')}`);
target('matmul f32, TFLOP/s', f32 ? f32.gflops / 1000 : null, 10, 'higher', sizeNote(f32), f32?.size === 4096);
target('matmul f16 inputs (f32 accumulation), TFLOP/s', f16 ? f16.gflops / 1000 : null, 20, 'higher', sizeNote(f16), f16?.size === 4096);
const score = results('score').find((r) => r.V === 32000);
target('fused RAIL/RAFT vs the unfused chain at V = 32000, ×', score ? score.ratio : null, 3, 'higher', score ? `N ${score.N}: ${fmt(score.fusedMs, 3)} vs ${fmt(score.unfusedMs, 3)} ms` : `bench score: ${status('score')}`);
const train25 = results('train').filter((r) => r.config?.name === 'llama-25M');
const bestTrain = [...train25].sort((a, b) => b.tokensPerSec - a.tokensPerSec)[0];
target('training ~25M, tokens/s', bestTrain ? bestTrain.tokensPerSec : null, 50000, 'higher', bestTrain ? train25.map((r) => `${r.precision} ${fmt(r.tokensPerSec, 0)}`).join(', ') + ` (kernels ${bestTrain.kernels ?? '?'})` : `llama-25M not in bench train (${status('train')})`);
const judge = results('judge').find((r) => r.where === 'node');
target('one judgement (200-token prompt, 64-token CoT), ms', judge ? judge.oursMs : null, 150, 'lower', judge ? `${judge.promptTokens}+${judge.cotTokens} tokens, Node; ORT wasm ${fmt(judge.ortMs)} ms` : `bench judge: ${status('judge')}`);
const run = results('run')[0];
target('the default tract run, s', run && head.mode !== 'smoke' ? run.wallSeconds : null, 120, 'lower', run ? `${head.mode === 'smoke' ? 'a smoke run (not the default): ' : ''}${fmt(run.wallSeconds)} s, split ${run.split}` : `tract run: ${status('run')}`);

const out = [];
out.push(`## GPU check summary: ${adapter}`);
out.push('');
out.push(`${head.mode ?? '?'} check started ${head.started ?? '?'} on ${head.host ?? '?'}${head.nvidiaSmi ? ` (${head.nvidiaSmi.replace(/;$/, '')})` : ''}; driver: ${head.icd ?? '?'}`);
out.push('');
out.push('| target | measured | goal | | what |');
out.push('|---|---|---|---|---|');
for (const r of rows) out.push(`| ${r.name} | ${fmt(r.value, r.value !== null && r.value < 10 ? 2 : 1)} | ${r.better === 'higher' ? '≥' : '≤'} ${r.goal} | ${r.met} | ${r.what} |`);
out.push('');
out.push('README benchmark table row:');
out.push('');
const cell = (r, d = 1) => (r.value === null ? '—' : fmt(r.value, d));
out.push(`| ${machine} | ${adapter} | ${cell(rows[0], 2)} TFLOP/s (f16 ${cell(rows[1], 2)})${f32 && f32.size !== 4096 ? ` at ${f32.size}³` : ''} | ${cell(rows[3], 0)} tokens/s | ${cell(rows[4])} ms | ${cell(rows[5])} s |`);
console.log(out.join('\n'));
