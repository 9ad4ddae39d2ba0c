// The fused score kernels on one row of logits: drag a score token's logit and watch the RAIL
// expectation (ŷ = Σ s_k p_k), the argmax score, the captured mass and the RAFT gradient change.
// Values come from the GPU kernels; the CPU reference is shown beside them.
import type { Dispatch } from 'react';
import type { Action, State } from '../state.ts';

function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function ScoreDemo({ state, dispatch }: { state: State; dispatch: Dispatch<Action> }) {
  const demo = state.demo;
  if (!demo) {
    return (
      <section className="card" aria-busy="true">
        <h2>Score kernels</h2>
        <p>Running the score kernels on the GPU…</p>
      </section>
    );
  }
  const logits = state.logits ?? demo.logits;
  const K = demo.scoreValues.length;
  const lo = demo.scoreValues[0];
  const hi = demo.scoreValues[K - 1];
  const argmaxK = demo.gpu.probs.reduce((best, p, k, all) => (p > all[best] ? k : best), 0);
  const maxGrad = Math.max(...demo.raftGradient.map(Math.abs), 1e-12);
  return (
    <section className="card" data-testid="score-demo">
      <h2>RAIL and RAFT on the GPU</h2>
      <p className="muted">
        One position of a judge model: the logits over a toy vocabulary at the token after “So the overall score is”. RAIL reads
        out the expected score over the {K} score tokens ({lo}–{hi}{hi >= 10 ? ', 10 written 0' : ''}) from the softmax over the <em>whole</em> vocabulary; RAFT’s gradient pulls that
        expectation toward the gold label. Drag a logit.
      </p>
      <div className="controls">
        <label>
          score scale{' '}
          <select value={state.demoLevels} onChange={(e) => dispatch({ type: 'demo-levels', levels: e.target.value === '10' ? 10 : 5 })} data-testid="demo-levels">
            <option value={5}>1..5 (5 score tokens)</option>
            <option value={10}>1..10 (10 score tokens)</option>
          </select>
        </label>
      </div>
      <div className="demo-grid">
        <table className="score-table">
          <thead>
            <tr>
              <th>token</th>
              <th>logit</th>
              <th>p (GPU)</th>
              <th>RAFT ∂L/∂z</th>
            </tr>
          </thead>
          <tbody>
            {demo.tokens.map((tok, i) => {
              const k = demo.scoreIds.indexOf(i);
              const p = k >= 0 ? demo.gpu.probs[k] : null;
              const g = demo.raftGradient[i];
              return (
                <tr key={i} className={k >= 0 ? 'score-row' : ''}>
                  <td>
                    <code>{JSON.stringify(tok)}</code>
                  </td>
                  <td>
                    {k >= 0 ? (
                      <input
                        type="range"
                        min={-6}
                        max={6}
                        step={0.1}
                        value={logits[i]}
                        aria-label={`logit of score token ${tok}`}
                        onChange={(e) => dispatch({ type: 'logit', token: i, value: Number(e.target.value) })}
                      />
                    ) : null}
                    <span className="num">{fmt(logits[i], 1)}</span>
                  </td>
                  <td>
                    {p !== null && (
                      <span className="bar" style={{ width: `${Math.round(p * 100)}%` }} data-testid={`prob-${demo.scoreValues[k]}`}>
                        {fmt(p)}
                      </span>
                    )}
                  </td>
                  <td>
                    <span className={`grad ${g >= 0 ? 'pos' : 'neg'}`} style={{ width: `${Math.round((Math.abs(g) / maxGrad) * 50)}%` }} />
                    <span className="num">{fmt(g, 4)}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <dl className="readout">
          <dt>RAIL ŷ = Σ s·p</dt>
          <dd data-testid="yhat">{fmt(demo.gpu.yhat)}</dd>
          <dt>captured mass Σ p</dt>
          <dd data-testid="mass">{fmt(demo.gpu.mass)}</dd>
          <dt>
            ŷ renormalised over {lo}–{hi}
          </dt>
          <dd>{fmt(demo.gpu.renormYhat)}</dd>
          <dt>argmax score (decoding)</dt>
          <dd>{demo.scoreValues[argmaxK]}</dd>
          <dt>
            <label htmlFor="gold">gold label y</label>
          </dt>
          <dd>
            <input
              id="gold"
              type="number"
              min={lo}
              max={hi}
              step={0.01}
              value={state.gold}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (Number.isFinite(v) && v >= lo && v <= hi) dispatch({ type: 'gold', value: v });
              }}
            />
          </dd>
          <dt>RAFT loss (ŷ − y)²</dt>
          <dd>{fmt((demo.gpu.yhat - demo.gold) ** 2, 4)}</dd>
          <dt>CPU reference ŷ</dt>
          <dd>{fmt(demo.cpu.yhat, 6)}</dd>
          <dt>max |GPU − CPU|</dt>
          <dd data-testid="max-diff">{demo.maxAbsDiff.toExponential(1)}</dd>
          <dt>kernel round trip</dt>
          <dd>{fmt(demo.ms, 1)} ms</dd>
        </dl>
      </div>
    </section>
  );
}
