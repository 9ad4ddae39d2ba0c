// The score head (src/model/score_head.ts) against its CPU twin (src/reference/score_head.ts): the
// TRACT objective CE + λ·RAFT over a step of two micro-batches — values and gradients, both RAFT
// reductions, with and without renormalisation, with and without head rows — and the RAIL read-out,
// for K = 2, 5 and 10 score tokens; the twin's gradient against central finite differences of its
// own loss; the host read-out (ORT's path) against the twin.
import { describe, expect, it } from 'vitest';
import { createBuffer, readF32, Recorder, uploadBuffer } from '../../src/gpu/index.ts';
import { trainBatch, type TrainBatch } from '../../src/data/batching.ts';
import { planHeadRows, readoutOnHost, readoutRow, ScoreHead, scoreScaleOf, stepWeights, type RaftReduction, type ScoreScale } from '../../src/model/score_head.ts';
import { scoreHeadObjectiveRef, scoreHeadReadoutRef } from '../../src/reference/score_head.ts';
import { expectClose, maxAbs, TOL } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { storiesTokenizer } from '../helpers/stories.ts';
import { normals, rng, toF64 } from '../helpers/random.ts';

const V = 37; // not a multiple of 4 or of a workgroup
const B = 3;
const T = 5;
const R = B * T;

/** K score tokens spread over the vocabulary (one at V − 1), with uneven values (K = 10: 0..9 by
 *  halves, not 1..K). */
function scaleOf(K: number): ScoreScale {
  const ids = Array.from({ length: K }, (_, k) => (k === 0 ? V - 1 : (k * 7 + 2) % (V - 1)));
  return { ids, values: ids.map((_, k) => 0.5 * k + (K === 10 ? 0 : 1)) };
}

function batches(): TrainBatch[] {
  const r = rng(17);
  const make = (scorePositions: number[], labels: number[], seed: number) =>
    trainBatch({
      batchSize: B,
      seqLen: T,
      inputIds: Array.from({ length: R }, () => Math.floor(r() * V)),
      targets: Array.from({ length: R }, () => Math.floor(r() * V)),
      // CoT-like: some positions count in CE, the score positions do not.
      ceMask: Array.from({ length: R }, (_, i) => (i % T >= 1 && i % T <= 2 && (i + seed) % 4 !== 0 ? 1 : 0)),
      scorePositions,
      labels,
    });
  return [make([3, -1, 4], [2.67, 0, 4.33], 1), make([0, 3, 4], [1, 3.5, 4.9], 2)];
}

const stepLogits = (seed: number) => [normals(R * V, seed, 2.5), normals(R * V, seed + 1, 2.5)];

describe('score head vs its CPU twin: CE + λ·RAFT over a step of two micro-batches', () => {
  for (const K of [2, 5, 10]) {
    for (const renormalize of [false, true]) {
      for (const raftReduction of ['mean', 'reference'] as RaftReduction[]) {
        for (const headRows of [true, false]) {
          it(`K = ${K}, renormalize=${renormalize}, raftReduction=${raftReduction}, ${headRows ? 'head rows' : 'all rows'}`, async () => {
            const gpu = await testGpu();
            const scale = scaleOf(K);
            const lambda = 0.7;
            const micro = batches();
            const z = stepLogits(K * 10 + (renormalize ? 1 : 0));
            const head = new ScoreHead(gpu, V, scale, { lambda, raftReduction, renormalize }, { B, T });
            const w = head.weights(micro);
            expect(w).toEqual(stepWeights(micro, lambda, raftReduction, true));
            const got: Float64Array[] = [];
            for (let i = 0; i < micro.length; i++) {
              const plan = planHeadRows(micro[i], head.raft, headRows);
              const rows = plan.rows ?? Array.from({ length: R }, (_, r) => r);
              expect(plan.N).toBe(rows.length);
              if (headRows) expect(plan.N).toBeLessThan(R);
              // The logits the forward would leave: the head rows', in plan order.
              const zHead = new Float32Array(plan.N * V);
              rows.forEach((r, h) => zHead.set(z[i].subarray(r * V, (r + 1) * V), h * V));
              const logits = uploadBuffer(gpu, 'logits', zHead);
              const dlogits = createBuffer(gpu, 'dlogits', plan.N * V * 4);
              head.writePlan(plan);
              const rec = new Recorder(gpu, 'score head');
              if (i === 0) head.clearSums(rec);
              head.recordLoss(rec, dlogits, logits, plan, w.ceScale, w.raftLambdas[i]);
              rec.submit();
              const dl = await readF32(gpu, dlogits, plan.N * V);
              // Back to batch rows: rows without logits have no gradient.
              const full = new Float64Array(R * V);
              rows.forEach((r, h) => full.set(dl.subarray(h * V, (h + 1) * V), r * V));
              got.push(full);
            }
            const losses = await head.readLosses(w);
            head.destroy();
            const ref = scoreHeadObjectiveRef(micro, z.map(toF64), V, { ...scale, lambda, reduction: raftReduction, renormalize });
            expect(w.ceCount).toBe(ref.ceCount);
            expect(w.raftCount).toBe(ref.raftCount);
            expectClose([losses.ce], [ref.ce], TOL.elementwise, 'CE');
            expectClose([losses.raft!], [ref.raft!], TOL.elementwise, 'RAFT (ŷ − y)²');
            const scaleG = maxAbs(ref.dlogits![0]);
            expect(scaleG).toBeGreaterThan(1e-3);
            for (let i = 0; i < micro.length; i++) {
              expectClose(got[i], ref.dlogits![i], { atol: 1e-6 * scaleG, rtol: 1e-4 }, `dlogits of micro-batch ${i}`);
            }
          });
        }
      }
    }
  }

  it("'reference' divides the RAFT part by the step's scored rows, CE untouched", () => {
    const micro = batches();
    const z = stepLogits(5).map(toF64);
    const o = { ...scaleOf(5), lambda: 1, renormalize: false };
    const mean = scoreHeadObjectiveRef(micro, z, V, { ...o, reduction: 'mean' });
    const refd = scoreHeadObjectiveRef(micro, z, V, { ...o, reduction: 'reference' });
    expect(mean.raftCount).toBe(5);
    expect(refd.loss - refd.ce).toBeCloseTo((mean.loss - mean.ce) / 5, 12);
    expect(refd.ce).toBe(mean.ce);
  });
});

describe('the twin’s gradient vs central finite differences of its loss (Float64)', () => {
  for (const K of [2, 5, 10]) {
    for (const renormalize of [false, true]) {
      for (const reduction of ['mean', 'reference'] as const) {
        it(`K = ${K}, renormalize=${renormalize}, ${reduction}`, () => {
          const micro = batches();
          const z = stepLogits(100 + K).map(toF64);
          const o = { ...scaleOf(K), lambda: 1.3, reduction, renormalize };
          const ref = scoreHeadObjectiveRef(micro, z, V, o);
          const h = 1e-5;
          for (let i = 0; i < micro.length; i++) {
            const fd = new Float64Array(R * V);
            for (let j = 0; j < R * V; j++) {
              const save = z[i][j];
              z[i][j] = save + h;
              const up = scoreHeadObjectiveRef(micro, z, V, o, false).loss;
              z[i][j] = save - h;
              const down = scoreHeadObjectiveRef(micro, z, V, o, false).loss;
              z[i][j] = save;
              fd[j] = (up - down) / (2 * h);
            }
            expect(maxAbs(fd)).toBeGreaterThan(1e-4);
            expectClose(ref.dlogits![i], fd, TOL.finiteDiff, `micro-batch ${i}`);
          }
        });
      }
    }
  }
});

describe('RAIL read-out: the head’s fused kernel vs the twin vs the host read-out', () => {
  for (const K of [2, 5, 10]) {
    for (const renormalize of [false, true]) {
      it(`K = ${K}, renormalize=${renormalize}`, async () => {
        const gpu = await testGpu();
        const scale = scaleOf(K);
        const N = 4;
        const z = normals(N * V, 200 + K, 3);
        // Row 0: a score token is the whole-vocabulary argmax; row 1: a non-score token is.
        z[0 * V + scale.ids[K - 1]] = 20;
        z[1 * V + 5] = 20;
        // Rows 2 and 3: every score logit far below the rest (mass ~ e−40), where renormalising
        // from the probabilities would lose precision.
        for (const n of [2, 3]) scale.ids.forEach((id, k) => (z[n * V + id] = -40 + 0.3 * k));
        const head = new ScoreHead(gpu, V, scale, { renormalize });
        const out = createBuffer(gpu, 'readout', N * head.readoutWidth * 4);
        const rec = new Recorder(gpu, 'readout');
        head.recordReadout(rec, out, uploadBuffer(gpu, 'logits', z), N);
        rec.submit();
        const data = await readF32(gpu, out, N * head.readoutWidth);
        head.destroy();
        const ref = scoreHeadReadoutRef(toF64(z), N, V, scale.ids, scale.values, renormalize);
        expectClose(data, ref, TOL.elementwise, 'read-out rows');
        for (let n = 0; n < N; n++) {
          const g = readoutRow(data, n, K);
          const want = readoutRow(ref, n, K);
          expect(g.decoded, `decoded, row ${n}`).toBe(want.decoded);
          expect(g.argmaxIsScore, `argmax flag, row ${n}`).toBe(want.argmaxIsScore);
          const host = readoutOnHost(toF64(z.subarray(n * V, (n + 1) * V)), scale, renormalize);
          expectClose([...host.probs, host.mass, host.yhat, host.decoded], [...want.probs, want.mass, want.yhat, want.decoded], { atol: 1e-12, rtol: 1e-10 }, `host read-out, row ${n}`);
          expect(host.argmaxIsScore).toBe(want.argmaxIsScore);
        }
        expect(readoutRow(ref, 0, K).argmaxIsScore).toBe(true);
        expect(readoutRow(ref, 1, K).argmaxIsScore).toBe(false);
        expect(readoutRow(ref, 0, K).decoded).toBe(scale.values[K - 1]);
        if (renormalize) expect(readoutRow(ref, 2, K).probs.reduce((a, q) => a + q, 0)).toBeCloseTo(1, 12);
      });
    }
  }
});

describe('score tokens and validation', () => {
  it('a tokenizer’s scale is its "1".."5" valued 1..5, or K other single-token levels', () => {
    expect(scoreScaleOf({ scoreTokenIds: () => [7, 8, 9, 10, 11] })).toEqual({ ids: [7, 8, 9, 10, 11], values: [1, 2, 3, 4, 5] });
    const tok = storiesTokenizer();
    const five = scoreScaleOf(tok);
    expect(five.ids).toEqual(tok.scoreTokenIds());
    const ten = scoreScaleOf(tok, Array.from({ length: 10 }, (_, k) => ({ label: String(k), value: k })));
    expect(ten.values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(ten.ids).size).toBe(10);
    expect(ten.ids.slice(1, 6)).toEqual(five.ids);
    const two = scoreScaleOf(tok, [{ label: '1', value: 0 }, { label: '2', value: 1 }]);
    expect(two).toEqual({ ids: five.ids.slice(0, 2), values: [0, 1] });
    expect(() => scoreScaleOf(tok, [{ label: '1', value: 1 }, { label: '10', value: 10 }])).toThrow(/score label "10" is not a single token/);
  });
  it('names bad score tokens and options before anything runs', async () => {
    const gpu = await testGpu();
    expect(() => new ScoreHead(gpu, V, { ids: [1, 1], values: [1, 2] })).toThrow(/id 1 appears twice/);
    expect(() => new ScoreHead(gpu, V, { ids: [1, V], values: [1, 2] })).toThrow(/outside the vocabulary 0\.\.36/);
    expect(() => new ScoreHead(gpu, V, scaleOf(2), { lambda: -1 })).toThrow(/lambda must be a finite number ≥ 0/);
    expect(() => new ScoreHead(gpu, V, scaleOf(2), { raftReduction: 'sum' as never })).toThrow(/raftReduction must be 'mean' or 'reference'/);
    const head = new ScoreHead(gpu, V, scaleOf(2));
    expect(() => head.writePlan(planHeadRows(batches()[0], true))).toThrow(/without a batch shape/);
    head.destroy();
  });
});
