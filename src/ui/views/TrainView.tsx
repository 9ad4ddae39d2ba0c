// The Train view: the run's settings (a preset, or the Data and Model views' choices), the runs kept
// in this browser, and the selected run: its pipeline (stage 0 → stage 1 → self-CoT → stage 2, with
// the baselines and evaluations) with a progress bar and ETA per stage, live charts of both loss
// parts, the learning rate, the gradient norm and tokens/s, the self-generated CoTs as they come,
// its checkpoints, and start / pause / resume / cancel. A run starts from the shipped base unless
// another seed is chosen (a base pretrained here, the Model view's model, or stage 0 from scratch);
// pretraining a base of one's own is the panel at the end (components/PretrainPanel.tsx).
import { memo, useMemo, type Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { Chart, type ChartSeries } from '../components/Chart.tsx';
import { CotBytes } from '../components/CotText.tsx';
import { splitSizes, TrainDataChoice } from '../components/TrainDataChoice.tsx';
import { PretrainPanel } from '../components/PretrainPanel.tsx';
import { saveFile, selfCotsJsonl } from '../exports.ts';
import { formatBytes, formatSeconds, plural } from '../format.ts';
import { RAFT_STAGES, runEta, stageCharts, trainingStages, type StageSeries } from '../run_charts.ts';
import { RUN_PRESETS, runPreset } from '../presets.ts';
import { planSeed, runSeedText, type ShippedBaseState } from '../seed.ts';
import type { Action, State, TrainData } from '../state.ts';
import { LABEL_ONLY_METHODS, referenceCotProblem } from '../../worker/method_needs.ts';
import type { BaseMeta, DatasetSummary, MethodName, RunHistory, RunMeta, RunSeed, StageName, StageState, StepPoint } from '../../worker/protocol.ts';

const METHOD_LABELS: Record<MethodName, string> = {
  'label-ce-decode': 'label-only CE + decoding',
  'label-raft-rail': 'label-only RAFT + RAIL',
  'cot-ce-decode': 'CoT-CE + decoding',
  'cot-ce-cotrail': 'CoT-CE + CoT-RAIL',
  'stage1-cotrail': 'stage 1 only + CoT-RAIL',
  'selfcot-ce-cotrail': 'self-CoT CE + CoT-RAIL',
  'stage2-from-stage1-cotrail': 'stage 2 from stage 1 + CoT-RAIL',
  'tract-decode': 'TRACT + decoding',
  'tract-cotrail': 'TRACT + CoT-RAIL',
};

const STAGE_INFO: Partial<Record<StageName, { title: string; what: string }>> = {
  seed: { title: 'Stage 0 · seed model', what: 'next-token pretraining on instructions, responses and references' },
  stage1: { title: 'Stage 1 · CoT-RAFT', what: 'CE on the reference CoTs + λ·RAFT at the score, from the seed' },
  'self-cot': { title: 'Self-CoT', what: 'the frozen stage-1 model writes one CoT per training example' },
  tract: { title: 'Stage 2 · TRACT', what: 'CoT-RAFT on its own CoTs + gold labels, from the seed again' },
  'label-ce': { title: 'label-only CE', what: 'baseline: the score digit with CE, no CoT' },
  'label-raft': { title: 'label-only RAFT', what: 'baseline: RAFT at the score, no CoT' },
  'cot-ce': { title: 'CoT-CE', what: 'baseline: SFT on the reference CoTs' },
  'selfcot-ce': { title: 'self-CoT CE', what: 'ablation: self-CoTs with CE only' },
  'stage2-from-stage1': { title: 'stage 2 from stage 1', what: 'ablation: stage 2 started from stage 1' },
  'cot-shift': { title: 'CoT shift', what: 'ŷ on reference CoTs vs on the model’s own' },
};

const MAIN: StageName[] = ['seed', 'stage1', 'self-cot', 'tract'];

function stageTitle(s: StageName): string {
  if (s.startsWith('eval:')) return `evaluate ${s.slice(5)}`;
  return STAGE_INFO[s]?.title ?? s;
}

function StageBox({ name, st, main }: { name: StageName; st: StageState | undefined; main?: boolean }) {
  const status = st?.status ?? 'pending';
  // A finished stage is full whatever its last progress report said (evaluations report in batches).
  const frac = status === 'done' || status === 'reused' ? 1 : st?.total ? Math.min(1, (st.done ?? 0) / st.total) : 0;
  let right = '';
  if (status === 'done') right = st?.seconds !== undefined ? formatSeconds(st.seconds) : 'done';
  else if (status === 'reused') right = st?.note ?? 'from the store';
  else if (status === 'running' && st?.startedAt && st.updatedAt && st.done && st.total) {
    const remaining = ((st.updatedAt - st.startedAt) / 1000 / st.done) * (st.total - st.done);
    right = `${st.done}/${st.total} · ETA ${formatSeconds(remaining)}`;
  } else if (status === 'running') right = 'starting…';
  return (
    <div className={`stage ${status}${main ? ' main' : ''}`} data-testid={`stage-${name}`} data-status={status}>
      <div className="stage-title">{stageTitle(name)}</div>
      {STAGE_INFO[name] && main && <div className="stage-what">{STAGE_INFO[name]!.what}</div>}
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)} aria-label={`${stageTitle(name)} progress`}>
        <div className="progress-fill" style={{ width: `${frac * 100}%` }} />
      </div>
      <div className="stage-status">
        <span>{status}</span>
        <span>{right}</span>
      </div>
    </div>
  );
}

/** The whole run: stages done, and while it runs, the time left for all of it (estimated from the stages so far). */
function RunProgress({ planned, stages, running }: { planned: StageName[]; stages: RunHistory['stages']; running: boolean }) {
  const finished = planned.filter((s) => stages[s]?.status === 'done' || stages[s]?.status === 'reused').length;
  const spent = planned.reduce((t, s) => t + (stages[s]?.seconds ?? 0), 0);
  const eta = running ? runEta(planned, stages, Date.now()) : null;
  return (
    <p className="run-progress" data-testid="run-eta">
      Whole run: {finished}/{planned.length} stages done
      {finished === planned.length
        ? ` in ${formatSeconds(spent)} of stage time`
        : running
          ? eta
            ? ` · about ${formatSeconds(eta.seconds)} left${eta.pending > 0 ? ` (${eta.pending === 1 ? 'the stage' : `the ${eta.pending} stages`} not yet measured estimated from those done)` : ''}`
            : ' · time left: known once a stage reports progress'
          : ''}
    </p>
  );
}

const Pipeline = memo(function Pipeline({ planned, stages, running }: { planned: StageName[]; stages: RunHistory['stages']; running: boolean }) {
  const h = { stages };
  const main = MAIN.filter((s) => planned.includes(s));
  const side = planned.filter((s) => !MAIN.includes(s) && !s.startsWith('eval:') && s !== 'cot-shift');
  const evals = planned.filter((s) => s.startsWith('eval:') || s === 'cot-shift');
  return (
    <div className="pipeline" data-testid="pipeline">
      <RunProgress planned={planned} stages={stages} running={running} />
      <div className="pipeline-row">
        {main.map((s, i) => (
          <div className="pipeline-step" key={s}>
            {i > 0 && <span className="arrow">→</span>}
            <StageBox name={s} st={h.stages[s]} main />
          </div>
        ))}
      </div>
      {side.length > 0 && (
        <div className="pipeline-row side">
          <span className="row-label">baselines and ablations</span>
          {side.map((s) => (
            <StageBox key={s} name={s} st={h.stages[s]} />
          ))}
        </div>
      )}
      <div className="pipeline-row side">
        <span className="row-label">evaluation on the test split</span>
        {evals.map((s) => (
          <StageBox key={s} name={s} st={h.stages[s]} />
        ))}
      </div>
    </div>
  );
});

const Charts = memo(function Charts({ points, planned }: { points: StepPoint[]; planned: StageName[] }) {
  const training = useMemo(() => trainingStages(planned), [planned]);
  const data = useMemo(() => stageCharts(points, training), [points, training]);
  const label = (st: StageName) => stageTitle(st).replace(/^Stage (\d) · /, 'stage $1 ');
  // Series for every planned training stage from the start (fixed series: the charts are never rebuilt
  // mid-run); RAFT only for the stages that have it. A stage with no steps yet draws nothing.
  const per = (pick: (s: StageSeries) => (number | null)[], extra: Partial<ChartSeries> = {}, suffix = '', only?: readonly StageName[]) =>
    data.stages
      .filter((s) => (only ? only.includes(s.stage) : true) && (training.includes(s.stage) || pick(s).some((v) => v !== null)))
      .map((s): ChartSeries => ({ label: `${label(s.stage)}${suffix}`, color: s.color, values: pick(s), ...extra }));
  return (
    <>
      <div className="charts" data-testid="charts">
        <Chart
          title="Loss parts per stage: CE on the CoT tokens (solid) and RAFT (ŷ − y)² (dashed, right axis)"
          testid="chart-loss"
          xLabel="step within its stage"
          x={data.x}
          series={[...per((s) => s.ce, {}, ' CE'), ...per((s) => s.raft, { right: true, dash: true }, ' RAFT', RAFT_STAGES)]}
        />
        <Chart title="Learning rate per stage (warmup + cosine)" testid="chart-lr" xLabel="step within its stage" x={data.x} series={per((s) => s.lr)} />
        <Chart title="Gradient norm per stage (before clipping)" testid="chart-grad" xLabel="step within its stage" x={data.x} series={per((s) => s.grad)} />
        <Chart title="Tokens per second per stage" testid="chart-tps" xLabel="step within its stage" x={data.x} series={per((s) => s.tps)} />
      </div>
      <p className="muted segments" data-testid="chart-stages">
        One line per stage, each on its own step axis (its step 1 at the left): {data.stages.filter((s) => s.ce.some((v) => v !== null)).map((s) => `${label(s.stage)} ${plural(s.ce.filter((v) => v !== null).length, 'step')}`).join(' · ')}. Hover a chart for the values at a step; otherwise the legend shows each stage’s latest.
      </p>
    </>
  );
});

interface SeedChoiceProps {
  choice: RunSeed;
  shipped: ShippedBaseState;
  bases: BaseMeta[];
  model: State['model']['current'];
  dispatch: Dispatch<Action>;
}

/** What the run starts from: the shipped base (default), a base pretrained here, the current model, or stage 0. */
function SeedChoice({ choice, shipped, bases, model, dispatch }: SeedChoiceProps) {
  const done = bases.filter((b) => b.status === 'done');
  const pick = (seed: RunSeed) => dispatch({ type: 'run-seed', seed });
  const shippedMissing = !!shipped && !shipped.base;
  const baseId = choice.kind === 'base' ? choice.baseId : (done[0]?.id ?? '');
  return (
    <fieldset className="seed-choice" data-testid="seed-choice">
      <legend>Start from</legend>
      <label title={shippedMissing ? shipped!.reason : ''}>
        <input type="radio" name="run-seed" checked={choice.kind === 'shipped-base' && !shippedMissing} disabled={shippedMissing} onChange={() => pick({ kind: 'shipped-base' })} data-testid="seed-shipped-base" /> the shipped base
        (public/base){shippedMissing ? ' — not in this build' : ''}
      </label>
      <label>
        <input type="radio" name="run-seed" checked={choice.kind === 'base'} disabled={done.length === 0} onChange={() => pick({ kind: 'base', baseId })} data-testid="seed-base" /> a base pretrained in this browser{' '}
        {done.length > 0 && (
          <select value={baseId} onChange={(e) => pick({ kind: 'base', baseId: e.target.value })} aria-label="base to start from">
            {done.map((b) => (
              <option key={b.id} value={b.id}>
                {b.label}
              </option>
            ))}
          </select>
        )}
        {done.length === 0 && <span className="muted">(none finished yet: see Pretrain a base below)</span>}
      </label>
      <label title={model && !model.judge.ok ? `${model.name} cannot be trained as a judge: ${model.judge.reason}` : ''}>
        <input
          type="radio"
          name="run-seed"
          checked={choice.kind === 'current-model'}
          disabled={!model || !model.judge.ok}
          onChange={() => pick({ kind: 'current-model' })}
          data-testid="seed-current-model"
        />{' '}
        the current model{model ? ` (${model.name})` : ''}, with its own tokenizer
      </label>
      <label>
        <input type="radio" name="run-seed" checked={choice.kind === 'scratch' || (choice.kind === 'shipped-base' && shippedMissing)} onChange={() => pick({ kind: 'scratch' })} data-testid="seed-scratch" /> from
        scratch (stage 0): pretrain a seed on the run’s own training texts
      </label>
    </fieldset>
  );
}

interface SettingsProps {
  config: State['config'];
  /** The Model view's current model (a seed candidate). */
  model: State['model']['current'];
  runPreset: State['runPreset'];
  runSeed: RunSeed;
  shipped: ShippedBaseState;
  bases: BaseMeta[];
  busy: boolean;
  gpuReady: boolean;
  gpuProbing?: boolean;
  trainData: TrainData;
  dataSummary: DatasetSummary | null;
  dispatch: Dispatch<Action>;
  send: Send;
}

const Settings = memo(function Settings({ config: c, model, runPreset: preset, runSeed, shipped, bases, busy, gpuReady, gpuProbing, trainData, dataSummary, dispatch, send }: SettingsProps) {
  const file = trainData.source === 'file' && dataSummary?.kind === 'file' ? dataSummary : null;
  // A file without feedback: the methods that need reference CoTs cannot train on it.
  const cotProblem = (m: MethodName) => (file ? referenceCotProblem(m, file.withReferenceCot) : null);
  const blockedMethods = c.methods.filter((m) => cotProblem(m));
  const plan = planSeed(runSeed, shipped, bases, model, c);
  // Why Start is disabled, said beside it (null: it is not).
  const startBlocked = !gpuReady
    ? gpuProbing
      ? 'Waiting for the GPU device…'
      : 'Training needs WebGPU, which this page does not have now (the onnxruntime-web fallback only judges).'
    : busy
      ? 'One run or pretraining trains at a time: wait for it, or pause and cancel it.'
      : c.methods.length === 0
        ? 'Pick at least one method to evaluate.'
        : plan.problem
          ? 'This seed cannot be used (see above).'
          : blockedMethods.length > 0
            ? `${blockedMethods.map((m) => METHOD_LABELS[m]).join(', ')} need reference CoTs, which ${file!.name} does not have: untick them.`
            : null;
  const seeded = plan.seed.kind !== 'scratch';
  const setSteps = (section: 'stage0' | 'finetune', v: string) => {
    const n = Math.max(0, Math.round(Number(v) || 0));
    dispatch({ type: 'config', config: { ...c, [section]: { ...c[section], maxSteps: n } } });
  };
  const toggle = (m: MethodName, on: boolean) => {
    const methods = on ? [...c.methods, m] : c.methods.filter((x) => x !== m);
    dispatch({ type: 'config', config: { ...c, methods: (Object.keys(METHOD_LABELS) as MethodName[]).filter((x) => methods.includes(x)) } });
  };
  return (
    <section className="card" data-testid="run-settings">
      <h2>A new run</h2>
      <div className="presets">
        {RUN_PRESETS.map((p) => (
          <label key={p.name} className={`preset${preset === p.name ? ' selected' : ''}`}>
            <input type="radio" name="run-preset" checked={preset === p.name} onChange={() => dispatch({ type: 'config', config: runPreset(p.name), preset: p.name })} data-testid={`preset-${p.name}`} />
            <strong>{p.title}</strong>
            <span className="muted">{p.blurb}</span>
          </label>
        ))}
      </div>
      <TrainDataChoice
        choice={trainData}
        summary={dataSummary}
        lab={c.data}
        dispatch={dispatch}
        onFileWithoutCots={() => dispatch({ type: 'config', config: { ...c, methods: c.methods.filter((m) => LABEL_ONLY_METHODS.includes(m)).length > 0 ? c.methods.filter((m) => LABEL_ONLY_METHODS.includes(m)) : [...LABEL_ONLY_METHODS] } })}
      />
      <SeedChoice choice={runSeed} shipped={shipped} bases={bases} model={model} dispatch={dispatch} />
      <p className="muted" data-testid="run-summary">
        Seed: <span data-testid="run-seed-plan">{plan.text}</span> · Data:{' '}
        {file && trainData.source === 'file' ? `${file.name}, ${splitSizes(file, trainData.split)}` : `Rubric Lab seed ${c.data.seed}, ${c.data.train} train / ${c.data.dev} dev / ${c.data.test} test`}, {plan.tokenizer}, {c.data.template}{' '}
        template (Data view) · Model: {plan.shape}
        {preset === 'custom' ? ' · edited' : ''}
      </p>
      {plan.problem && (
        <p className="muted" data-testid="seed-problem">
          Cannot start from this seed: {plan.problem}.
        </p>
      )}
      <div className="controls">
        {!seeded && (
          <label>
            stage-0 steps (0 = all){' '}
            <input type="number" min={0} value={c.stage0.maxSteps} onChange={(e) => setSteps('stage0', e.target.value)} data-testid="steps-stage0" />
          </label>
        )}
        <label>
          fine-tuning steps per model (0 = all){' '}
          <input type="number" min={0} value={c.finetune.maxSteps} onChange={(e) => setSteps('finetune', e.target.value)} data-testid="steps-finetune" />
        </label>
        <label title="the RAFT term's weight for stage 1, stage 2 and TRACT">
          λ (RAFT weight, CoT models){' '}
          <input type="number" min={0} step={0.05} value={c.finetune.lambda} onChange={(e) => dispatch({ type: 'config', config: { ...c, finetune: { ...c.finetune, lambda: Math.max(0, Number(e.target.value) || 0) } } })} />
        </label>
        <label title="the RAFT term's weight for the label-only RAFT baseline (chosen on the dev split for it, as λ for the CoT models)">
          λ (label-only RAFT){' '}
          <input type="number" min={0} step={0.05} value={c.finetune.labelLambda} onChange={(e) => dispatch({ type: 'config', config: { ...c, finetune: { ...c.finetune, labelLambda: Math.max(0, Number(e.target.value) || 0) } } })} />
        </label>
        <label title="label-only RAFT's CE also covers the score token (on by default, chosen on the dev split: with it masked out, as the reference code does, the baseline collapsed to one score)">
          <input type="checkbox" checked={c.finetune.labelScoreInCe} onChange={(e) => dispatch({ type: 'config', config: { ...c, finetune: { ...c.finetune, labelScoreInCe: e.target.checked } } })} data-testid="label-score-in-ce" /> score token in label-only RAFT's CE
        </label>
        <label>
          training seed{' '}
          <input type="number" min={0} value={c.seeds[0]} onChange={(e) => dispatch({ type: 'config', config: { ...c, seeds: [Math.max(0, Math.round(Number(e.target.value) || 0))] } })} />
        </label>
      </div>
      <fieldset className="methods">
        <legend>Methods to evaluate (the models they need are trained)</legend>
        {(Object.keys(METHOD_LABELS) as MethodName[]).map((m) => {
          const why = cotProblem(m);
          return (
            <label key={m} title={why ?? ''}>
              <input type="checkbox" checked={c.methods.includes(m)} disabled={!!why && !c.methods.includes(m)} onChange={(e) => toggle(m, e.target.checked)} data-testid={`method-check-${m}`} /> {METHOD_LABELS[m]}
              {why && <span className="muted" data-testid={`method-why-${m}`}> — {why}</span>}
            </label>
          );
        })}
      </fieldset>
      <button
        className="primary"
        disabled={!!startBlocked}
        data-testid="train-start"
        onClick={() => {
          const chosen = RUN_PRESETS.find((p) => p.name === preset);
          const label = `${chosen ? chosen.title : 'Custom run'} · ${new Date().toLocaleString()}`;
          const named = file && trainData.source === 'file' ? `${label} · on ${file.name}` : label;
          send({ type: 'train-start', config: c, label: plan.name ? `${named} · from ${plan.name}` : named, seed: plan.seed, data: file && trainData.source === 'file' ? trainData.split : undefined });
        }}
      >
        Start training
      </button>
      {startBlocked && (
        <span className="muted" data-testid="train-start-why">
          {' '}
          {startBlocked}
        </span>
      )}
    </section>
  );
});

interface RunsProps {
  runs: RunMeta[];
  selectedRunId: string | null;
  activeRunId: string | null;
  gpuReady: boolean;
  dispatch: Dispatch<Action>;
  send: Send;
}

const RunsTable = memo(function RunsTable({ runs, selectedRunId, activeRunId, gpuReady, dispatch, send }: RunsProps) {
  return (
    <section className="card" data-testid="runs">
      <h2>Runs in this browser</h2>
      {runs.length === 0 && <p className="muted">None yet.</p>}
      <table className="runs">
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} className={r.id === selectedRunId ? 'selected' : ''} data-testid="run-row">
              <td>
                <button className="link" onClick={() => dispatch({ type: 'select-run', runId: r.id })}>
                  {r.label}
                </button>
              </td>
              <td>
                <span className={`chip ${r.status}`} data-testid={`run-status-${r.id}`}>
                  {r.status}
                </span>
              </td>
              <td className="muted">{r.shipped ? 'shipped' : new Date(r.created).toLocaleString()}</td>
              <td>
                {!r.shipped && r.id !== activeRunId && r.status !== 'done' && (
                  <button onClick={() => send({ type: 'train-resume', runId: r.id })} disabled={!!activeRunId || !gpuReady}>
                    Resume
                  </button>
                )}
                {!r.shipped && r.id !== activeRunId && (
                  <button
                    onClick={() => {
                      if (confirm(`Delete “${r.label}” and its checkpoints from this browser?`)) send({ type: 'run-delete', runId: r.id });
                    }}
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
});

const SelfCots = memo(function SelfCots({ runId, selfCots, history }: { runId: string; selfCots: RunHistory['selfCots']; history: RunHistory }) {
  return (
    <div className="selfcots" data-testid="selfcots">
      <div className="controls">
        <h3 className="grow">
          Self-generated CoTs: <span data-testid="selfcot-count">{selfCots.length}</span>
        </h3>
        <button onClick={() => saveFile(`${runId}-self-cots.jsonl`, 'application/jsonl', selfCotsJsonl(history))}>Export JSONL</button>
      </div>
      <ul>
        {selfCots
          .slice(-12)
          .reverse()
          .map((c, i) => (
            <li key={`${c.id}-${i}`}>
              <code>{c.id}</code> <span className="cot">{c.cot ? <CotBytes text={c.cot} /> : '(empty)'}</span>
            </li>
          ))}
      </ul>
    </div>
  );
}, (a, b) => a.runId === b.runId && a.selfCots === b.selfCots);

export function TrainView({ state, dispatch, send }: { state: State; dispatch: Dispatch<Action>; send: Send }) {
  const meta = state.runs.find((r) => r.id === state.selectedRunId);
  const run = state.run && state.run.id === state.selectedRunId ? state.run : null;
  const active = meta && meta.id === state.activeRunId;
  const h = run?.history;
  const checkpoints = (run?.artifacts ?? []).filter((a) => a.name.endsWith('.safetensors'));
  return (
    <div className="view train">
      <Settings
        config={state.config}
        model={state.model.current}
        runPreset={state.runPreset}
        runSeed={state.runSeed}
        shipped={state.shippedBase}
        bases={state.bases}
        busy={!!state.activeRunId || !!state.activeBaseId}
        gpuReady={state.gpu.kind === 'ready'}
        gpuProbing={state.gpu.kind === 'probing'}
        trainData={state.trainData}
        dataSummary={state.data.summary}
        dispatch={dispatch}
        send={send}
      />

      {/* A pretraining holds the GPU as a run does: no run resumes meanwhile. */}
      <RunsTable runs={state.runs} selectedRunId={state.selectedRunId} activeRunId={state.activeRunId} gpuReady={state.gpu.kind === 'ready' && !state.activeBaseId} dispatch={dispatch} send={send} />

      {meta && (
        <section className="card" data-testid="run-view">
          <div className="controls">
            <h2 className="grow">{meta.label}</h2>
            <span className={`chip ${meta.status}`} data-testid="run-status">
              {meta.status}
            </span>
            {active && meta.status !== 'paused' && meta.status !== 'pausing' && (
              <button onClick={() => send({ type: 'train-pause' })} data-testid="train-pause">
                Pause
              </button>
            )}
            {active && (meta.status === 'paused' || meta.status === 'pausing') && (
              <button onClick={() => send({ type: 'train-resume', runId: meta.id })} data-testid="train-resume">
                Resume
              </button>
            )}
            {active && (
              <button onClick={() => send({ type: 'train-cancel' })} data-testid="train-cancel">
                Cancel
              </button>
            )}
            {!active && !meta.shipped && meta.status !== 'done' && (
              <button onClick={() => send({ type: 'train-resume', runId: meta.id })} disabled={!!state.activeRunId || !!state.activeBaseId || state.gpu.kind !== 'ready'} data-testid="train-continue">
                Resume from the last finished stage
              </button>
            )}
          </div>
          <p className="muted" data-testid="run-seed">
            Seed: {runSeedText(meta)}
          </p>
          {meta.message && (
            <p className="muted" data-testid="run-message">
              {meta.message}
            </p>
          )}
          {h && <Pipeline planned={meta.stages} stages={h.stages} running={meta.status === 'running' || meta.status === 'recovering'} />}
          {h && h.points.length > 0 && <Charts points={h.points} planned={meta.stages} />}
          {h && h.points.length === 0 && !meta.shipped && <p className="muted">The charts fill in as steps finish.</p>}
          {meta.shipped && <p className="muted">The shipped run’s losses are in docs/report.md; its results are in the Evaluate view.</p>}
          {h && h.selfCots.length > 0 && <SelfCots runId={meta.id} selfCots={h.selfCots} history={h} />}
          {h && h.log.length > 0 && (
            <details>
              <summary>Log ({h.log.length})</summary>
              <ul>
                {h.log.map((l, i) => (
                  <li key={i}>{l}</li>
                ))}
              </ul>
            </details>
          )}
          {checkpoints.length > 0 && (
            <div data-testid="checkpoints">
              <h3>Checkpoints (safetensors with config, tokenizer and training record)</h3>
              <ul className="artifacts">
                {checkpoints.map((a) => (
                  <li key={a.name}>
                    <code>{a.name}</code> {formatBytes(a.bytes)}{' '}
                    <button onClick={() => send({ type: 'artifact-download', runId: meta.id, name: a.name })} data-testid={`download-${a.name}`}>
                      Download
                    </button>{' '}
                    <button
                      onClick={() => {
                        send({ type: 'model-from-run', runId: meta.id, name: a.name });
                        dispatch({ type: 'view', view: 'playground' });
                      }}
                      data-testid={`judge-with-${a.name}`}
                    >
                      Judge with it
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {active && (
            <details className="debug">
              <summary>Debug</summary>
              <p className="muted">Destroys the GPU device (device.destroy()), as a driver reset would. The run should report it and continue from its last finished stage on a new device.</p>
              <button onClick={() => send({ type: 'debug', action: 'lose-device' })} data-testid="debug-lose-device">
                Simulate a lost GPU device
              </button>
            </details>
          )}
        </section>
      )}

      <PretrainPanel state={state} dispatch={dispatch} send={send} />
    </div>
  );
}
