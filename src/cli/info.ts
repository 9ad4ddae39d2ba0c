// `tract info`: the adapter this machine gives WebGPU, its features and the limits the engine uses,
// and the matmul and training-attention kernels the autotuners chose on it (kernels/matmul_tuning.ts,
// kernels/attention_tuning.ts); `--tune` times them
// now for the default run's shapes when no timings are kept yet.
import { adapterName, limitsRecord, requestGpu } from '../gpu/index.ts';
import { describeMatmulTuning, loadMatmulTuning, type MatmulTuning } from '../kernels/matmul_tuning.ts';
import { ATTENTION_MARGIN, describeAttentionTuning, loadAttentionTuning, type AttentionTuning } from '../kernels/attention_tuning.ts';
import { makeConfig } from '../model/config.ts';
import { tuneTrainingKernels } from '../train/kernel_tuning.ts';
import { describePrecisionTuning, loadPrecisionTuning, MIXED_MARGIN, type PrecisionTuning } from '../train/precision_tuning.ts';
import { DEFAULT_CONFIG } from '../eval/config.ts';
import { parseFlags } from './args.ts';
import { ProgressBar } from './progress.ts';
import type { Command } from './main.ts';
import { DEFAULT_BASE_MODEL } from './pretrain.ts';
import { cliTuningStore } from './tuning_store.ts';

export const command: Command = {
  summary: 'show the WebGPU adapter, its features and limits, and the matmul and attention kernels chosen on it',
  usage:
    'usage: tract info [--tune] [--json]\n\n' +
    '  --tune   time the matmul and attention kernels and the training precision (f32 or mixed) for\n' +
    '           the default run\'s shapes now (nothing is measured when timings for this adapter are\n' +
    '           kept already; TRACT_TUNING_DIR says where)\n' +
    '  --json   print one JSON object {adapter, runtime, features, limits, deviceLimits, matmulTuning, attentionTuning, precisionTuning}',
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' }, tune: { type: 'boolean' } });
    const gpu = await requestGpu();
    const a = gpu.adapter;
    const store = cliTuningStore();
    let tuning: MatmulTuning | null = null;
    let attention: AttentionTuning | null = null;
    let precision: PrecisionTuning | null = null;
    if (store && values.tune) {
      const config = makeConfig({ ...DEFAULT_BASE_MODEL });
      const bar = new ProgressBar();
      bar.begin('timing matmul kernels');
      ({ matmul: tuning, attention, precision } = await tuneTrainingKernels(gpu, config, [DEFAULT_CONFIG.finetune.batchSize], config.seqLen, store, {
        onProgress: (phase, done, total) => bar.update(done, total, phase === 'precision' ? 'step shapes' : 'shape classes'),
        onPhaseDone: (phase, line) => {
          bar.end(line);
          if (phase === 'matmul') bar.begin('timing attention');
          if (phase === 'attention') bar.begin('timing f32 and mixed-precision training steps');
        },
      }));
    } else if (store) {
      tuning = await loadMatmulTuning(gpu, store);
      attention = await loadAttentionTuning(gpu, store);
      precision = await loadPrecisionTuning(gpu, store);
    }
    if (values.json) {
      console.log(JSON.stringify({ adapter: adapterName(a), ...a, deviceLimits: limitsRecord(gpu.limits), matmulTuning: tuning, attentionTuning: attention, precisionTuning: precision }, null, 2));
    } else {
      console.log(`adapter:  ${adapterName(a)}`);
      console.log(`runtime:  ${a.runtime}`);
      console.log(`features: ${a.features.join(', ')}`);
      console.log('limits (adapter maximum / granted to the engine):');
      const granted = limitsRecord(gpu.limits);
      for (const [k, v] of Object.entries(a.limits).sort()) {
        console.log(`  ${k.padEnd(44)} ${String(v).padStart(12)}${granted[k] !== undefined && granted[k] !== v ? `  (granted ${granted[k]})` : ''}`);
      }
      if (!store) console.log('matmul kernels: built-in choices (TRACT_TUNING=off)');
      else if (!tuning) console.log(`matmul kernels: not timed on this adapter yet (tract info --tune, or any tract run, times them; kept in ${store.where})`);
      else {
        console.log(`matmul kernels chosen by measurement (${tuning.entries.length} shape classes, kept in ${store.where}):`);
        for (const line of describeMatmulTuning(tuning)) console.log(`  ${line}`);
      }
      if (store && attention) {
        console.log(`training attention chosen by measurement (split: three kernels through the T×T probabilities; fused: online softmax, FlashAttention-style backward; the adapter's default stays unless the other is ${ATTENTION_MARGIN}× faster):`);
        for (const line of describeAttentionTuning(attention)) console.log(`  ${line}`);
      } else if (store) console.log('training attention: not timed on this adapter yet (the built-in choice for its kind runs)');
      if (!gpu.features.has('shader-f16')) console.log('training precision: f32 (no shader-f16 on this adapter, so no mixed precision)');
      else if (store && precision && precision.entries.length > 0) {
        console.log(`training precision chosen by measurement (mixed: f16 matmul operands, f32 master weights, loss scaling; kept only if ${MIXED_MARGIN}× faster):`);
        for (const line of describePrecisionTuning(precision)) console.log(`  ${line}`);
      } else if (store) console.log('training precision: not timed on this adapter yet (f32 runs)');
    }
    gpu.destroy();
    return 0;
  },
};
