// The Playground: an instruction, a response, a reference answer and a rubric; "Judge" (at the top,
// reachable without scrolling) samples n chains of thought (streamed token by token) and reads the
// score distribution after each. The answer comes first: the judge's score ŷ, large, with what it is
// and what plain decoding would say under it, then the K probabilities (one per rubric level), the captured mass (each
// term explained where it appears), each sample's ŷ with their mean, and the reasoning. The fields
// grow with their text; the sampling settings are under "Advanced". The prompt is fit with the CoT room the judge was trained with (when
// its checkpoint or run records it), so it is the prompt it saw in training; the CoT-tokens input
// stops at that room and says so.
import type { Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { CotBytes, UntrainedNote } from '../components/CotText.tsx';
import { GLOSSARY, Term } from '../components/Term.tsx';
import { ProbBars, ScoreScale } from '../components/ProbBars.tsx';
import { PLAYGROUND_EXAMPLES } from '../examples.ts';
import { fmt, formatCount, plural } from '../format.ts';
import type { Action, State } from '../state.ts';
import { DIGIT_SCALES, describeScale, isDigitScale, type ScoreLevel } from '../../data/levels.ts';

let nextRequest = 1;

/** The DIGIT_SCALES id of a rubric's levels, or '' when they are not a digit scale. */
function scaleId(levels: readonly ScoreLevel[]): string {
  if (!isDigitScale(levels)) return '';
  return DIGIT_SCALES.find((x) => x.first === levels[0].value && x.k === levels.length)?.id ?? '';
}

export function PlaygroundView({ state, dispatch, send }: { state: State; dispatch: Dispatch<Action>; send: Send }) {
  const pg = state.playground;
  const f = pg.fields;
  const model = state.model.current;
  // Without WebGPU the worker judges on onnxruntime-web (fallback.ts) when this build has it.
  const gpuOk = state.gpu.kind === 'ready' || (state.gpu.kind === 'unavailable' && state.gpu.fallback.available);
  const canJudge = gpuOk && !!model && model.judge.ok && !pg.running && !state.model.loading;
  const fit = model?.promptFit;
  /** CoTs no longer than the trained room keep the training prompts. */
  const maxCot = fit ? fit.maxCotTokens : 256;
  const judge = () => {
    const requestId = nextRequest++;
    dispatch({ type: 'pg-start', requestId });
    send({
      type: 'judge',
      request: { requestId, fields: f, nCot: pg.nCot, greedy: pg.greedy, seed: pg.seed, maxCotTokens: Math.min(pg.maxCotTokens, maxCot), renormalize: pg.renormalize, gold: pg.gold },
    });
  };
  const r = pg.result;
  const j = r?.judgement;
  /** The levels the shown judgement was made on (its probabilities are theirs). */
  const levels = pg.judgedLevels;
  const setText = (field: Parameters<typeof fieldAction>[0], value: string) => dispatch(fieldAction(field, value));
  return (
    <div className="view playground">
      <section className="card model-card" data-testid="model-card">
        <h2>Judge: {model ? model.name : state.gpu.kind === 'unavailable' && !state.gpu.fallback.available ? 'none (no WebGPU)' : 'loading…'}</h2>
        {model && (
          <>
            <p data-testid="model-description">{model.description}</p>
            <p className="muted">
              {formatCount(model.parameters)} parameters · dim {model.config.dim}, {model.config.nLayers} layers, vocabulary {model.config.vocabSize}, context{' '}
              {model.config.seqLen} · tokenizer {model.tokenizer ?? 'none'} · {model.template} template · change it in the Model view
            </p>
            {!model.judge.ok && <p className="warning">This model cannot judge: {model.judge.reason}</p>}
          </>
        )}
        {state.gpu.kind === 'unavailable' && (
          <p className="warning" data-testid="pg-fallback">
            {state.gpu.fallback.available ? `No WebGPU here: the judge runs on ${state.gpu.fallback.backend} instead, more slowly.` : `${state.gpu.fallback.message}.`}
          </p>
        )}
      </section>

      <div className="two-col">
        <section className="card">
          <div className="controls pg-top">
            <h2 className="grow">What to judge</h2>
            <button className="primary" disabled={!canJudge} onClick={judge} data-testid="judge-button">
              {pg.running ? 'Judging…' : 'Judge'}
            </button>
          </div>
          <label className="field">
            Example
            <select
              value={PLAYGROUND_EXAMPLES.some((e) => e.name === pg.exampleName) ? pg.exampleName : ''}
              onChange={(e) => {
                const ex = PLAYGROUND_EXAMPLES.find((x) => x.name === e.target.value);
                if (ex) dispatch({ type: 'pg-example', name: ex.name, fields: { instruction: ex.instruction, response: ex.response, referenceAnswer: ex.referenceAnswer, rubric: { ...ex.rubric } }, gold: ex.gold });
              }}
              data-testid="pg-example"
            >
              {!PLAYGROUND_EXAMPLES.some((e) => e.name === pg.exampleName) && <option value="">{pg.exampleName}</option>}
              {PLAYGROUND_EXAMPLES.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <TextField label="Instruction" value={f.instruction} onChange={(v) => setText('instruction', v)} testid="pg-instruction" />
          <TextField label="Response to evaluate" value={f.response} onChange={(v) => setText('response', v)} testid="pg-response" />
          <TextField label={`Reference answer (what a score of ${f.rubric.levels[f.rubric.levels.length - 1].value} looks like)`} value={f.referenceAnswer} onChange={(v) => setText('referenceAnswer', v)} testid="pg-reference" />
          <TextField label="Criteria (the rubric’s question)" value={f.rubric.criteria} onChange={(v) => setText('criteria', v)} testid="pg-criteria" />
          <label className="field inline">
            <span className="field-label">Score scale</span>
            <select value={scaleId(f.rubric.levels)} onChange={(e) => dispatch({ type: 'pg-scale', scale: e.target.value })} data-testid="pg-scale">
              {scaleId(f.rubric.levels) === '' && <option value="">{describeScale(f.rubric.levels)}</option>}
              {DIGIT_SCALES.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.first === 1 && d.k === 10 ? '1..10 (10 written 0)' : d.id}
                  {d.id === '1..5' ? ' (the paper’s)' : ''}
                </option>
              ))}
            </select>
          </label>
          <div className="score-fields">
            {f.rubric.levels.map((l, i) => (
              <TextField key={i} label={`Score ${l.label}`} value={l.description} onChange={(v) => setText(i, v)} testid={`pg-score${i + 1}`} inline />
            ))}
          </div>
          <details className="advanced" data-testid="pg-advanced">
            <summary>Advanced: sampling settings</summary>
            <div className="controls">
              <label title={GLOSSARY.cot}>
                CoTs to sample{' '}
                <input type="number" min={1} max={8} value={pg.nCot} onChange={(e) => dispatch({ type: 'pg-option', patch: { nCot: Math.min(8, Math.max(1, Math.round(Number(e.target.value) || 1))) } })} data-testid="pg-ncot" />
              </label>
              <label title="always take the most probable next token instead of sampling (temperature 0)">
                <input type="checkbox" checked={pg.greedy} onChange={(e) => dispatch({ type: 'pg-option', patch: { greedy: e.target.checked } })} /> greedy
              </label>
              <label title="the random seed of the sampling: the same seed gives the same CoTs">
                seed <input type="number" min={0} value={pg.seed} onChange={(e) => dispatch({ type: 'pg-option', patch: { seed: Math.max(0, Math.round(Number(e.target.value) || 0)) } })} />
              </label>
              <label>
                max CoT tokens{' '}
                <input
                  type="number"
                  min={1}
                  max={maxCot}
                  value={pg.maxCotTokens}
                  title={fit ? `at most ${fit.maxCotTokens}: the CoT room this judge was trained with` : undefined}
                  onChange={(e) => dispatch({ type: 'pg-option', patch: { maxCotTokens: Math.min(maxCot, Math.max(1, Math.round(Number(e.target.value) || 64))) } })}
                  data-testid="pg-max-cot"
                />
              </label>
              <label title={GLOSSARY.renormalise}>
                <input type="checkbox" checked={pg.renormalize} onChange={(e) => dispatch({ type: 'pg-option', patch: { renormalize: e.target.checked } })} /> renormalise
              </label>
            </div>
            <p className="muted">Sampling at temperature 1 with top-p 0.9 (as the reference code evaluates) unless greedy (as tract run evaluates, chosen on its dev split: one greedy CoT); with several CoTs the score is the mean of their ŷ.</p>
            {model && model.judge.ok && (
              <p className="muted" data-testid="pg-prompt-fit">
                {fit
                  ? `The prompt is fit as in training: it leaves room for ${fit.maxCotTokens} CoT tokens in the context of ${model.config.seqLen} (recorded in ${fit.source}), so a long response is cut exactly as the judge saw it cut. Max CoT tokens stops at ${fit.maxCotTokens}: a longer CoT would need a shorter prompt than in training.`
                  : `No record of the CoT room ${model.name} was trained with${model.promptFitMissing ? ` (${model.promptFitMissing})` : ''}: the prompt leaves room for the max CoT tokens.`}
              </p>
            )}
          </details>
          {pg.maxCotTokens > maxCot && (
            <p className="warning" data-testid="pg-cot-over">
              {pg.maxCotTokens} CoT tokens is more than the {maxCot} this judge was trained to leave room for: prompts would be cut shorter than in training. Judging uses at most {maxCot}.
            </p>
          )}
        </section>

        <section className="card" data-testid="judgement">
          <h2>The judge’s score</h2>
          {!pg.running && !r && !pg.error && (
            <p className="muted">
              Press Judge: the model writes its reasoning (a chain of thought), then its score is read from the probabilities it gives the digits 1–5 after “So the overall score is”.
            </p>
          )}
          {pg.error && (
            <p className="warning" data-testid="judge-error">
              {pg.error}
            </p>
          )}
          {j && r && (
            <div className="verdict">
              <div className="headline" data-testid="pg-headline">
                <span className="big-score" data-testid="yhat">
                  {fmt(j.yhat, 2)}
                </span>
                <span className="out-of">out of {levels[levels.length - 1].value}</span>
                {r.gold !== undefined && <span className="muted"> · gold label {fmt(r.gold, 2)}</span>}
              </div>
              <p className="explain" data-testid="pg-explain">
                The score <strong>ŷ</strong> is the average of the {levels.length} levels’ values ({describeScale(levels)}) weighted by how probable the judge finds each (ŷ = Σ s_k·p(k){j.samples.length > 1 ? `, then the mean over ${j.samples.length} CoTs` : ''}
                ; this read-out is called RAIL). Taking just the most probable level — plain decoding — would answer <strong data-testid="decoded">{j.decoded}</strong>.
              </p>
              <ProbBars probs={j.probs} labels={levels.map((l) => l.label)} testid="probs" />
              <ScoreScale yhat={j.yhat} decoded={j.decoded} gold={r.gold} values={levels.map((l) => l.value)} />
              {r.promptFit?.warnings.map((w, i) => (
                <p className="warning" key={i} data-testid="pg-fit-warning">
                  {w}
                </p>
              ))}
              <dl className="readout">
                <dt>
                  <Term name="mass">captured mass Σ p(k)</Term>
                </dt>
                <dd data-testid="mass">{fmt(j.mass)}</dd>
                <dt>generation</dt>
                <dd>
                  {plural(r.tokens, "token")} in {(r.ms / 1000).toFixed(1)} s
                </dd>
                <dt>ran on</dt>
                <dd data-testid="judge-backend">{r.backend}</dd>
              </dl>
              {j.samples.length > 1 && (
                <p className="muted" data-testid="sample-mean">
                  Each CoT’s ŷ: {j.samples.map((s) => fmt(s.yhat, 2)).join(', ')} → mean {fmt(j.yhat)}. Averaging over sampled CoTs smooths out one unlucky chain of thought.
                </p>
              )}
              {pg.renormalize ? null : j.mass < 0.5 ? (
                <p className="muted">Less than half of the probability is on the rubric’s score tokens: the model is unsure this is where a score goes (ŷ without renormalisation is pulled toward 0).</p>
              ) : null}
            </div>
          )}
          {(pg.cots.length > 0 || pg.running) && (
            <>
              <h3>Its reasoning {pg.cots.length > 1 || (j && j.cots.length > 1) ? '(one chain of thought per sample)' : '(chain of thought)'}</h3>
              <ol className="cots">
                {Array.from({ length: Math.max(pg.cots.length, j ? j.cots.length : 0, pg.running ? 1 : 0) }, (_, i) => (
                  <li key={i}>
                    <p className="cot" data-testid={`cot-${i}`}>
                      <CotBytes text={pg.cots[i] ?? ''} />
                      {pg.running && <span className="cursor">▍</span>}
                    </p>
                    <UntrainedNote text={pg.cots[i] ?? ''} testid={`cot-untrained-${i}`} />
                    {j?.samples[i] && (
                      <p className="muted sample-yhat" data-testid={`sample-yhat-${i}`}>
                        ŷ {fmt(j.samples[i].yhat)} · decoded {j.samples[i].decoded} · mass {fmt(j.samples[i].mass)}
                      </p>
                    )}
                  </li>
                ))}
              </ol>
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function fieldAction(field: Extract<Action, { type: 'pg-field' }>['field'], value: string): Action {
  return { type: 'pg-field', field, value };
}

/** A text field that grows with its text, so a long rubric line is read whole, never cut. */
function TextField({ label, value, onChange, testid, inline }: { label: string; value: string; onChange: (v: string) => void; testid?: string; inline?: boolean }) {
  // Rows: the lines the text wraps to at ~70 characters (a half-width column), at least 1 (2 for the long fields), at most 8.
  const lines = value.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil(l.length / 70)), 0);
  const rows = Math.min(8, Math.max(inline ? 1 : 2, lines));
  return (
    <label className={inline ? 'field inline' : 'field'}>
      <span className="field-label">{label}</span>
      <textarea rows={rows} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testid} />
    </label>
  );
}
