// Files the app hands to the user: downloads of bytes or text, and the exports of self-CoTs and
// evaluation results as JSONL or CSV (built from data the UI already holds).
import type { EvalData, MethodName, RunHistory } from '../worker/protocol.ts';

export function saveFile(name: string, mime: string, data: BlobPart): void {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function selfCotsJsonl(h: RunHistory): string {
  return h.selfCots.map((c) => JSON.stringify(c)).join('\n') + (h.selfCots.length ? '\n' : '');
}

/** One row per test example and method: gold, ŷ, decoded, the K probabilities (p1..pK), mass, CoT. */
export function evaluationRows(ev: EvalData): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const [method, spec] of Object.entries(ev.methods) as [MethodName, NonNullable<EvalData['methods'][MethodName]>][]) {
    const js = ev.judgements[spec.model];
    if (!js) continue;
    ev.examples.forEach((ex, i) => {
      const j = js[i];
      if (!j) return;
      rows.push({
        method,
        model: spec.model,
        id: ex.id,
        family: ex.family ?? '',
        gold: ex.gold,
        prediction: spec.score === 'yhat' ? j.yhat : j.decoded,
        yhat: j.yhat,
        decoded: j.decoded,
        ...Object.fromEntries(j.probs.map((p, k) => [`p${k + 1}`, p])),
        mass: j.mass,
        cot: j.cots.join(' ||| '),
      });
    });
  }
  return rows;
}

export function toJsonl(rows: Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/** RFC 4180 CSV: fields with a comma, quote or newline are quoted, quotes doubled. */
export function toCsv(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c] ?? '')).join(','))].join('\n') + '\n';
}
