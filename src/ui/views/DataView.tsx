// The Data view: Rubric Lab from a seed and sizes (the data a run trains on), or a JSON / JSONL file
// (Prometheus benchmarks, the Feedback Collection, or tract's format) loaded and validated in the
// worker; a searchable table; every validation problem with its file, line, row and field; the
// rendered prompt and training target of any example.
import { useEffect, useRef, type Dispatch } from 'react';
import type { Send } from '../App.tsx';
import { formatBytes, fmt, plural } from '../format.ts';
import { DATA_PAGE, type Action, type State } from '../state.ts';

export function DataView({ state, dispatch, send }: { state: State; dispatch: Dispatch<Action>; send: Send }) {
  const d = state.data;
  const s = d.summary;
  const lab = state.config.data;
  const setLab = (k: 'seed' | 'train' | 'dev' | 'test', v: string) => {
    const n = Math.max(0, Math.round(Number(v) || 0));
    dispatch({ type: 'config', config: { ...state.config, data: { ...lab, [k]: n } } });
  };
  // The detail opens below the table: bring it into view when an example is picked.
  const detailBox = useRef<HTMLElement | null>(null);
  const detailIndex = d.detail?.index;
  useEffect(() => {
    if (detailIndex !== undefined) detailBox.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
  }, [detailIndex]);
  const generate = () => {
    dispatch({ type: 'data-loading', what: 'Rubric Lab' });
    send({ type: 'data-rubric-lab', request: { seed: lab.seed, train: lab.train, dev: lab.dev, test: lab.test, ...(lab.levels === 10 ? { levels: 10 as const } : {}) } });
  };
  return (
    <div className="view data">
      <div className="two-col">
        <section className="card">
          <h2>Rubric Lab (built in)</h2>
          <p className="muted">
            Four small task families whose right score needs a small computation that the reference chain of thought spells out. These settings are what the Train view
            trains on by default; it can train on a file opened here instead.
          </p>
          <div className="controls">
            {(['seed', 'train', 'dev', 'test'] as const).map((k) => (
              <label key={k}>
                {k} <input type="number" min={0} value={lab[k]} onChange={(e) => setLab(k, e.target.value)} data-testid={`lab-${k}`} />
              </label>
            ))}
            <label title="the paper's 1..5, or the 1–10 variant (ten levels, 10 written 0; the arithmetic and word-limit families)">
              scale{' '}
              <select
                value={lab.levels ?? 5}
                onChange={(e) => {
                  const { levels: _old, ...rest } = lab;
                  dispatch({ type: 'config', config: { ...state.config, data: e.target.value === '10' ? { ...rest, levels: 10 } : rest } });
                }}
                data-testid="lab-levels"
              >
                <option value={5}>1..5</option>
                <option value={10}>1..10</option>
              </select>
            </label>
            <button onClick={generate} data-testid="lab-generate">
              Generate
            </button>
          </div>
        </section>
        <section className="card">
          <h2>Open a file</h2>
          <p className="muted">
            JSON array or JSON lines: Prometheus benchmarks (<code>instruction</code>, <code>gpt4_score</code>…), the Feedback Collection (<code>orig_*</code>) or tract’s
            format (<code>instruction, response, reference_answer, rubric, score</code>). Read and checked row by row in the worker; nothing leaves this browser.
          </p>
          <input
            type="file"
            accept=".json,.jsonl,application/json,text/plain"
            data-testid="data-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              dispatch({ type: 'data-loading', what: file.name });
              send({ type: 'data-file', file });
              e.target.value = '';
            }}
          />
        </section>
      </div>

      {d.loading && <p aria-busy="true">Loading {d.loading}…</p>}
      {s && (
        <section className="card" data-testid="data-summary">
          <h2>{s.name}</h2>
          <p>
            <strong data-testid="data-accepted">{s.accepted}</strong> {s.accepted === 1 ? 'example' : 'examples'} accepted, <strong data-testid="data-rejected">{s.rejected}</strong> rejected
            {s.fatal ? ' — reading stopped early' : ''}
            {s.bytes !== undefined ? ` · ${formatBytes(s.bytes)}` : ''} · {Math.round(s.ms)} ms
            {s.labelMean !== null ? ` · mean label ${fmt(s.labelMean, 2)}` : ''}
            {Object.keys(s.splits).length > 0 ? <span data-testid="data-splits"> · {splitsText(s.splits)}</span> : ''}
          </p>
          <p className="muted" data-testid="data-labels">
            Labels (rounded){s.scale ? ` on the scale ${s.scale.text}` : ''}: {s.labelHistogram.map((n, k) => `${s.scale?.labels[k] ?? k + 1}: ${n}`).join(' · ')}
          </p>
          {s.errorCount > 0 && (
            <details open className="load-errors">
              <summary>
                {s.errorCount} problem{s.errorCount === 1 ? '' : 's'} (each names the file, line, row and field)
              </summary>
              <ul data-testid="data-errors">
                {s.errors.map((e, i) => (
                  <li key={i} data-testid="data-error">
                    <code>
                      {e.file}
                      {e.line !== undefined ? `:${e.line}` : ''}
                    </code>
                    {e.index !== undefined ? ` (row ${e.index})` : ''} <strong>{e.field}</strong>: {e.message}
                  </li>
                ))}
              </ul>
              {s.errorCount > s.errors.length && <p className="muted">…and {s.errorCount - s.errors.length} more.</p>}
            </details>
          )}
        </section>
      )}

      {s && s.accepted > 0 && (
        <section className="card">
          <div className="controls">
            <input type="search" placeholder="Search every field: id, family, instruction, response, reference, rubric, feedback…" value={d.query} onChange={(e) => dispatch({ type: 'data-query', query: e.target.value })} data-testid="data-search" className="grow" />
            <select value={d.split} onChange={(e) => dispatch({ type: 'data-split', split: e.target.value as State['data']['split'] })}>
              <option value="all">all splits</option>
              <option value="train">train</option>
              <option value="dev">dev</option>
              <option value="test">test</option>
            </select>
            <span className="muted" data-testid="data-total">
              {plural(d.total, 'match', 'matches')}
            </span>
            <button disabled={d.offset === 0} onClick={() => dispatch({ type: 'data-offset', offset: d.offset - DATA_PAGE })}>
              ◀
            </button>
            <span className="muted">
              {d.total ? d.offset + 1 : 0}–{Math.min(d.total, d.offset + DATA_PAGE)}
            </span>
            <button disabled={d.offset + DATA_PAGE >= d.total} onClick={() => dispatch({ type: 'data-offset', offset: d.offset + DATA_PAGE })}>
              ▶
            </button>
          </div>
          <table className="examples" data-testid="data-table">
            <thead>
              <tr>
                <th>id</th>
                <th>split</th>
                <th>instruction</th>
                <th>response</th>
                <th>label</th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.index} onClick={() => send({ type: 'data-example', index: r.index, template: d.template })} className={d.detail?.index === r.index ? 'selected' : ''} data-testid="data-row">
                  <td>
                    <code>{r.id}</code>
                    {r.family && <div className="muted">{r.family}</div>}
                  </td>
                  <td>{r.split ?? ''}</td>
                  <td className="text">{r.instruction}</td>
                  <td className="text">{r.response}</td>
                  <td title={`scores ${r.scores.join(', ')}`}>{fmt(r.label, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {d.detail && (
        <section className="card" data-testid="data-detail" ref={detailBox}>
          <div className="controls">
            <h2 className="grow">
              Example <code>{d.detail.example.id}</code>
            </h2>
            <label>
              template{' '}
              <select
                value={d.template}
                onChange={(e) => {
                  const template = e.target.value as State['data']['template'];
                  dispatch({ type: 'data-template', template });
                  send({ type: 'data-example', index: d.detail!.index, template });
                }}
              >
                <option value="compact">compact (tiny models)</option>
                <option value="prometheus">prometheus (verbatim)</option>
              </select>
            </label>
            <button
              onClick={() => {
                const ex = d.detail!.example;
                dispatch({ type: 'pg-example', name: `${ex.id} (from the Data view)`, fields: { instruction: ex.instruction, response: ex.response, referenceAnswer: ex.referenceAnswer, rubric: { ...ex.rubric } }, gold: ex.label });
              }}
            >
              Judge it in the Playground
            </button>
            <button onClick={() => dispatch({ type: 'data-close-detail' })}>Close</button>
          </div>
          <p className="muted">
            Annotator scores {d.detail.example.scores.join(', ')} → label {fmt(d.detail.example.label, 2)} · source {d.detail.example.source}
            {d.detail.tokens
              ? d.detail.tokens.note
                ? ` · ${d.detail.tokens.tokenizer}: ${d.detail.tokens.note}`
                : ` · ${d.detail.tokens.total} tokens with ${d.detail.tokens.tokenizer} (prompt ${d.detail.tokens.prompt}${d.detail.tokens.fit ? ` of a budget of ${d.detail.tokens.fit.budget}` : ''}, target ${d.detail.tokens.target})`
              : ''}
          </p>
          {d.detail.tokens?.fit && (
            <p className={d.detail.tokens.truncated || d.detail.tokens.cotCut ? 'warning' : 'muted'} data-testid="detail-fit">
              {d.detail.tokens.note
                ? 'It cannot be shown as the judge would see it: '
                : d.detail.tokens.truncated
                  ? 'The prompt was cut to fit (the response and the reference answer shortened, each cut marked “...”): this is the prompt the judge sees. '
                  : 'The prompt fits uncut: this is the prompt the judge sees. '}
              {d.detail.tokens.cotCut ? 'The reference CoT was cut to the CoT room, as training cuts it. ' : ''}
              Prompt-fit rule: context {d.detail.tokens.fit.seqLen}, room for {d.detail.tokens.fit.maxCotTokens} CoT tokens → at most {d.detail.tokens.fit.budget} prompt ids ({d.detail.tokens.fit.source}).
            </p>
          )}
          <h3>Prompt</h3>
          <pre className="prompt" data-testid="detail-prompt">
            {d.detail.prompt}
          </pre>
          <h3>Target</h3>
          <pre className="target" data-testid="detail-target">
            {d.detail.target}
          </pre>
        </section>
      )}
    </div>
  );
}

/** "8 train, 2 dev, 1 without a split": the split counts as words. */
export function splitsText(splits: Record<string, number>): string {
  return Object.entries(splits)
    .map(([k, v]) => (k === 'none' ? `${plural(v, 'example')} without a split` : `${v} ${k}`))
    .join(', ');
}
