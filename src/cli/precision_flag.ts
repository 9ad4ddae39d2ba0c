// --precision for the training commands (tract run, tract pretrain): auto leaves the choice to
// measurement (train/precision_tuning.ts), f32 or mixed force it on the device.
import { adapterName, type Gpu } from '../gpu/index.ts';
import { PRECISIONS, setPrecisionOverride, type Precision } from '../train/precision.ts';
import { UsageError } from './args.ts';

/** --precision: auto (the measured choice), f32 or mixed. */
export function parsePrecision(value: string | undefined): Precision | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if ((PRECISIONS as readonly string[]).includes(value)) return value as Precision;
  throw new UsageError(`--precision: '${value}' is not one of auto, ${PRECISIONS.join(', ')}`);
}

/** Forces the training precision on this device (auto: leaves it to measurement); mixed needs
 *  shader-f16 and is refused, naming the adapter, without it. */
export function applyPrecision(gpu: Gpu, p: Precision | 'auto'): void {
  if (p === 'auto') return;
  if (p === 'mixed' && !gpu.features.has('shader-f16')) throw new UsageError(`--precision mixed: this adapter (${adapterName(gpu.adapter)}) has no shader-f16; use f32 or auto`);
  setPrecisionOverride(gpu, p);
}
