// `bench train`'s step of this tree and of another checkout (AB_OTHER) on ONE device in one process,
// alternating (the order reversed every round): the box's drift falls on both alike, and the two
// share the driver's threads and caches as they would in one run. The other tree's Gpu wraps this
// tree's device (its own pipelines and dispatch caches). Run by scripts/ab.sh train. The other tree
// needs the Gpu class and bench train's oursTrain/TRAIN_SHAPES (every revision since the score head,
// and those just before it).
// AB_TUNED=1: this tree runs the kernels kept by its autotuner (the CLI's store, as `tract run` and
// `bench train` leave it), not the adapter defaults; the other tree keeps its own choice.
import { mean } from 'simple-statistics';
import { requestGpu } from '../src/gpu/index.ts';
import { oursTrain } from '../src/cli/bench/ours_train.ts';
import { TRAIN_SHAPES } from '../src/cli/bench/chromium_train.ts';
import { useKeptTuning } from '../src/cli/tuning_store.ts';

const other = process.env.AB_OTHER;
if (!other) throw new Error('ab-train: set AB_OTHER to the other checkout');
const label = process.env.AB_LABEL ?? other;
const rounds = Number(process.env.AB_ROUNDS ?? 6);
const steps = Number(process.env.AB_STEPS ?? 4);
const shapes = (process.env.AB_SHAPES || 'a').split(',');
for (const [k, v] of Object.entries({ AB_ROUNDS: rounds, AB_STEPS: steps })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`ab-train: ${k} must be a positive integer, got ${v}`);
}
for (const s of shapes) if (!(s in TRAIN_SHAPES)) throw new Error(`ab-train: AB_SHAPES names ${s}; known: ${Object.keys(TRAIN_SHAPES).join(', ')}`);

const gpu = await requestGpu();
if (process.env.AB_TUNED === '1') await useKeptTuning(gpu);
const otherGpuMod = await import(`${other}/src/gpu/index.ts`);
const otherTrain = (await import(`${other}/src/cli/bench/ours_train.ts`)).oursTrain;
const otherShapes = (await import(`${other}/src/cli/bench/chromium_train.ts`)).TRAIN_SHAPES;
const engines = {
  other: { gpu: new otherGpuMod.Gpu(gpu.device, gpu.adapter), train: otherTrain, shapes: otherShapes },
  this: { gpu, train: oursTrain as typeof otherTrain, shapes: TRAIN_SHAPES as typeof otherShapes },
};
for (const s of shapes) {
  const ms: Record<'other' | 'this', number[]> = { other: [], this: [] };
  for (let r = 0; r < rounds; r++) {
    for (const k of (r % 2 === 0 ? ['other', 'this'] : ['this', 'other']) as ('other' | 'this')[]) {
      const e = engines[k];
      ms[k].push((await e.train(e.gpu, { ...e.shapes[s].args, steps, warmupTimeoutMs: 0 })).msPerStep);
    }
    console.log(`${TRAIN_SHAPES[s as keyof typeof TRAIN_SHAPES].name} round ${r + 1}: ${label} ${ms.other[r].toFixed(1)} ms/step, this tree ${ms.this[r].toFixed(1)}`);
  }
  const ratio = mean(ms.this) / mean(ms.other);
  console.log(`${TRAIN_SHAPES[s as keyof typeof TRAIN_SHAPES].name}: ${label} ${mean(ms.other).toFixed(1)} ms/step, this tree ${mean(ms.this).toFixed(1)} (means of ${rounds} rounds of ${steps} steps): this/other ${ratio.toFixed(3)}; per round ${ms.this.map((x, i) => (x / ms.other[i]).toFixed(2)).join(' ')}`);
}
process.exit(0);
