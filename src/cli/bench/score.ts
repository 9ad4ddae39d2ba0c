// `tract bench score`: the fused RAFT kernel (raft_loss_backward: softmax statistics, ŷ, loss and
// dlogits in one dispatch) against the unfused chain computing the same outputs (softmax,
// gather, weighted sum, squared error, and back through each: 7 dispatches and a clear), and the
// same for the RAIL read-out alone. Medians over repeated runs in this process, V = 32000 and 512.
import { adapterName, createBuffer, requestGpu, uploadBuffer } from '../../gpu/index.ts';
import { raftLossBackward, READOUT_EXTRA, scoreExpectation, uploadScoreTokens } from '../../kernels/score.ts';
import { createUnfusedWorkspace, raftLossUnfused } from '../../kernels/score_unfused.ts';
import { softmaxForward } from '../../kernels/softmax.ts';
import { round, timeInterleaved } from './timing.ts';

const N = 64; // score positions per batch: one per example

export async function bench(json: boolean): Promise<void> {
  const gpu = await requestGpu();
  const adapter = adapterName(gpu.adapter);
  for (const V of [32000, 512]) {
    const K = 5;
    const ids = Array.from({ length: K }, (_, k) => Math.floor((V * (k + 1)) / (K + 2)));
    const tokens = uploadScoreTokens(gpu, ids, ids.map((_, k) => k + 1), V);
    const z = new Float32Array(N * V);
    for (let i = 0; i < z.length; i++) z[i] = Math.sin(i * 12.9898) * 4;
    const logits = uploadBuffer(gpu, 'logits', z);
    const gold = uploadBuffer(gpu, 'gold', Float32Array.from({ length: N }, (_, n) => 1 + (n % 5)));
    const mask = uploadBuffer(gpu, 'mask', new Uint32Array(N).fill(1));
    const out = { dlogits: createBuffer(gpu, 'dlogits', N * V * 4), loss: createBuffer(gpu, 'loss', N * 4), yhat: createBuffer(gpu, 'yhat', N * 4) };
    const rail = createBuffer(gpu, 'readout', N * (K + READOUT_EXTRA) * 4);
    const ws = createUnfusedWorkspace(gpu, N, V, K);
    const inner = V >= 10000 ? 5 : 50;

    const [fused, unfused, railFused, railUnfused] = await timeInterleaved(
      gpu,
      [
        { label: 'raft fused', record: (rec) => raftLossBackward(rec, out, logits, gold, mask, tokens, { N, V }) },
        { label: 'raft unfused', record: (rec) => raftLossUnfused(rec, out, ws, logits, gold, mask, tokens, { N, V }) },
        { label: 'rail fused', record: (rec) => scoreExpectation(rec, rail, logits, tokens, { N, V }) },
        // The RAIL read-out's unfused form starts with a full softmax written out: timed alone.
        { label: 'softmax', record: (rec) => softmaxForward(rec, ws.probs, logits, N, V) },
      ],
      { reps: 25, inner },
    );
    const result = {
      adapter,
      V,
      N,
      fusedMs: round(fused.medianMs, 4),
      unfusedMs: round(unfused.medianMs, 4),
      ratio: round(unfused.medianMs / fused.medianMs, 2),
      railFusedMs: round(railFused.medianMs, 4),
      railSoftmaxOnlyMs: round(railUnfused.medianMs, 4),
    };
    if (json) console.log(JSON.stringify(result));
    else
      console.log(
        `score V=${V} N=${N}: fused RAFT ${result.fusedMs} ms, unfused chain ${result.unfusedMs} ms, ratio ${result.ratio}x; ` +
          `RAIL fused ${result.railFusedMs} ms vs a bare softmax ${result.railSoftmaxOnlyMs} ms  [${adapter}]`,
      );
  }
  gpu.destroy();
}
