// Judge-style training rows for the step tests: three sequences of different lengths (26, 11 and
// 19 tokens) in a 3 × T batch, CE on a "CoT" from position ceFrom, a score position at each row's
// end (target token 3, labels 2.5, 4 and 1), padding to T.
import { trainBatch, type TrainBatch } from '../../src/data/batching.ts';
import { rng } from './random.ts';

export function judgeTrainBatch(o: { T: number; vocabSize: number; seed: number; ceFrom: number }): TrainBatch {
  const B = 3;
  const { T } = o;
  const r = rng(o.seed);
  const lengths = [26, 11, 19];
  const inputIds = new Array<number>(B * T).fill(0);
  const targets = new Array<number>(B * T).fill(0);
  const ceMask = new Array<number>(B * T).fill(0);
  const scorePositions = [0, 0, 0];
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) inputIds[b * T + t] = 6 + Math.floor(r() * (o.vocabSize - 6));
    for (let t = 0; t < n - 1; t++) targets[b * T + t] = inputIds[b * T + t + 1];
    for (let t = o.ceFrom; t < n - 2; t++) ceMask[b * T + t] = 1;
    scorePositions[b] = n - 1;
    targets[b * T + n - 1] = 3;
  });
  return trainBatch({ batchSize: B, seqLen: T, inputIds, targets, ceMask, scorePositions, labels: [2.5, 4, 1] });
}
